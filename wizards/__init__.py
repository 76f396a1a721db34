from . import account_late_payment_rate_import
from . import account_late_penalty_waive
