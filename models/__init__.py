from . import account_late_payment_rate
from . import account_late_payment_policy
from . import account_move
from . import res_company
from . import res_config_settings
from . import res_partner
