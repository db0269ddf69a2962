"""The report page in a real browser: headless Chromium (Debian's ``chromium``, driven over the
DevTools protocol by ``tests.cdp``) opens the report of a small tools/test.py run."""
import json
import os
import os.path as osp

import pytest

from tests.cdp import Chromium, find_chromium
from tests.test_tools.test_train_test import FAST, SYNTHROAD_CFG, synthroad_options

ALL_IMAGES_LOADED = """
Promise.all(Array.from(document.images).map(function (img) {
  img.loading = 'eager';
  return img.decode().then(function () { return img.naturalWidth > 0; },
                           function () { return false; });
})).then(function (ok) { return [ok.length, ok.filter(Boolean).length]; })
"""
METRICS_ROWS = """
Array.from(document.querySelectorAll('#metrics-table tbody tr')).map(function (row) {
  var keys = Array.from(document.querySelectorAll('#metrics-table thead th')).slice(1)
      .map(function (th) { return th.textContent; });
  var values = {};
  Array.from(row.cells).slice(1).forEach(function (cell, i) {
    values[keys[i]] = cell.dataset.value === '' ? null : parseFloat(cell.dataset.value); });
  return [row.dataset.scorer, values];
})
"""
FRAME_ORDER = """
Array.from(document.querySelectorAll('#frames-table tbody tr')).map(function (row) {
  return row.cells[0].textContent; })
"""


@pytest.fixture(scope='module')
def browser():
    executable = find_chromium()
    if executable is None:
        pytest.skip('no Chromium on this machine: apt-get install chromium (.ci/run does)')
    chromium = Chromium(executable)
    yield chromium
    chromium.close()


@pytest.mark.slow
def test_the_report_works_in_a_browser(browser, server, assets, tmp_path):
    work = tmp_path / 'work'
    rc, out, err = server.run('tools/test.py', SYNTHROAD_CFG, assets['checkpoint'],
                              '--work-dir', work, '--cfg-options', *FAST,
                              *synthroad_options(assets['synthroad']))
    assert rc == 0, err[-3000:]
    page = work / 'report' / 'report.html'
    assert f'report: {page}' in out + err
    browser.open(f'file://{page}')
    assert browser.console_errors == []
    with open(work / 'metrics.json') as fh:
        metrics = json.load(fh)
    rows = dict(browser.evaluate(METRICS_ROWS))
    assert sorted(rows) == sorted({k.split('/')[0] for k in metrics})
    for scorer, values in rows.items():
        assert values == {k: metrics[f'{scorer}/{k}'] for k in values}
    total, loaded = browser.evaluate(ALL_IMAGES_LOADED)
    assert total == loaded and total >= 3 + 3        # 3 plots and a panel per frame at least
    before = browser.evaluate(FRAME_ORDER)
    browser.evaluate("document.querySelectorAll('#frames-table th')[3].click()")
    ascending = browser.evaluate(FRAME_ORDER)
    browser.evaluate("document.querySelectorAll('#frames-table th')[3].click()")
    descending = browser.evaluate(FRAME_ORDER)
    assert sorted(before) == sorted(ascending) and ascending == descending[::-1]
    assert ascending != before or descending != before
    browser.evaluate('window.scrollTo(0, 0)')
    stem = browser.evaluate("document.querySelector('#frames-table tbody a').textContent")
    browser.evaluate("document.querySelector('#frames-table tbody a').click()")
    assert browser.evaluate('location.hash') == f'#frame-{stem}'
    top = browser.evaluate(f"document.getElementById('frame-{stem}').getBoundingClientRect().top")
    # scrolled to the panel: at the top of the window, or in view where the page ends
    assert browser.evaluate('window.scrollY') > 0
    assert -1 <= top < browser.evaluate('window.innerHeight') - 50
    assert browser.console_errors == []
    browser.evaluate('window.scrollTo(0, 0)')
    shot = os.environ.get('ANOMSEG_REPORT_SCREENSHOT') or str(tmp_path / 'report.png')
    browser.screenshot(shot)
    assert osp.getsize(shot) > 10000
