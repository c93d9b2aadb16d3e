from . import wholtra_cod_collect_wizard
