"""Outcomes the reliability tests report for docs/reliability.md: with ANOMSEG_RELIABILITY_LOG
set (``tools/misc/reliability_doc.py`` sets it), ``record`` appends one JSON line per outcome."""
import json
import os

LOG_ENV = 'ANOMSEG_RELIABILITY_LOG'


def record(entry, case, outcome):
    log = os.environ.get(LOG_ENV)
    if log:
        with open(log, 'a', encoding='utf-8') as fh:
            fh.write(json.dumps(dict(entry=entry, case=case, outcome=outcome)) + '\n')
