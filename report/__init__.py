# SQL views over the models: imported after them, so that the columns they
# read exist when the views are created.
from . import account_dunning_report
from . import account_dunning_worklist
from . import account_dunning_kpi_report
