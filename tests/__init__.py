from . import test_account_move
from . import test_invoice_tour
from . import test_late_penalty
from . import test_invoice_report
from . import test_early_discount
from . import test_dunning_run
from . import test_dunning_send
from . import test_dunning_report
