"""The moment the tutor's process started running Python code of ours.

Imported first (before textual, before anything slow), so that the app can
report how long the first frame took to paint (`TUTOR_REPORT_STARTUP=1`):
start-up is measured, not guessed.
"""

from time import perf_counter_ns

START_TIME_NS: int = perf_counter_ns()
