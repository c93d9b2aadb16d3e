from . import wholtra_dispute_wizard
