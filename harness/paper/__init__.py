"""The BELLE paper's published figures and how a measured run compares with them.

* :mod:`.table5`        the published Table 5 rows (``registry/paper/table5.yaml``), validated
* :mod:`.comparability` what a measured run did differently from the paper (data, model, judge ...)
* :mod:`.side_by_side`  published and measured figures per column, for reports and the terminal
"""
