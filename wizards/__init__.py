from . import account_early_discount_grant
from . import account_late_payment_rate_import
from . import account_late_penalty_waive
from . import account_payment_register
from . import account_einvoice_chorus_answer
