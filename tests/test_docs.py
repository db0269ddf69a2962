"""The README and docs/ hold: every relative link reaches its file (and heading), every command
of a command block (and of inline code) names a script that exists and options its ``--help``
lists, and the README's
table of the best model per anomaly set is the model index's."""
import glob
import os.path as osp
import re

import pytest

from tests.conftest import REPO

PAGES = [osp.join(REPO, 'README.md')] + sorted(glob.glob(osp.join(REPO, 'docs', '*.md')))
LINK = re.compile(r'\[[^\]]*\]\(([^)\s]+)\)')
FENCE = re.compile(r'^```[^\n]*\n(.*?)^```', re.M | re.S)
SCRIPT = re.compile(r'(?:^|\s)((?:tools|data_prep)/[\w/.-]+\.py)((?:[^\n]*\\\n)*[^\n]*)')
OPTION = re.compile(r'(?<![\w-])(--[a-z][\w-]*)')


def slug(heading):
    """GitHub's anchor of a heading."""
    text = re.sub(r'[^\w\- ]', '', heading.strip().lower())
    return text.replace(' ', '-')


def anchors(path):
    text = FENCE.sub('', open(path, encoding='utf-8').read())
    return {slug(h) for h in re.findall(r'^#+ (.+)$', text, re.M)}


@pytest.mark.parametrize('page', PAGES, ids=lambda p: osp.relpath(p, REPO))
def test_relative_links_reach_their_files_and_headings(page):
    text = FENCE.sub('', open(page, encoding='utf-8').read())
    broken = []
    for target in LINK.findall(text):
        if re.match(r'[a-z]+:', target):
            continue  # https:, mailto:
        path, _, anchor = target.partition('#')
        full = osp.normpath(osp.join(osp.dirname(page), path)) if path else page
        if not osp.exists(full):
            broken.append(target)
        elif anchor and full.endswith('.md') and anchor not in anchors(full):
            broken.append(target)
    assert not broken, f'{osp.relpath(page, REPO)}: broken links {broken}'


def commands():
    """(page, script, first word, options) of every script call in a command block."""
    found = []
    for page in PAGES:
        text = open(page, encoding='utf-8').read()
        inline = re.findall(r'`([^`\n]*(?:tools|data_prep)/[^`\n]*)`', FENCE.sub('', text))
        for block in FENCE.findall(text) + inline:
            for script, rest in SCRIPT.findall(block):
                rest = re.sub(r'#.*', '', rest.replace('\\\n', ' '))
                written = re.search(r'\bcp\b[^\n]*' + re.escape(script), block)
                if written and re.match(r'\s*(;|$)', rest):
                    continue  # a file the block writes (cp X tools/...), not a call
                words = rest.split()
                found.append((osp.relpath(page, REPO), script, words[0] if words else None,
                              set(OPTION.findall(rest))))
    return found


def test_command_blocks_name_real_scripts_and_options(server):
    calls = commands()
    assert len(calls) > 20
    helps, wrong = {}, []
    for page, script, first, options in calls:
        if not osp.isfile(osp.join(REPO, script)):
            wrong.append(f'{page}: {script} does not exist')
            continue
        if script not in helps:
            rc, out, _ = server.run(osp.join(REPO, script), '--help')
            helps[script] = out if rc == 0 else None
        # a subcommand when the script's usage offers it ({coco,ade20k,skimage})
        if first and first.startswith('{'):  # {coco,ade20k,skimage}: each, as the first
            first = first.strip('{}').split(',')[0]
        choices = re.search(r'\{([\w,-]+)\}', helps[script] or '')
        sub = first if choices and first in choices.group(1).split(',') else None
        key = (script, sub)
        if key not in helps:
            rc, out, err = server.run(osp.join(REPO, script), *([sub] if sub else []), '--help')
            helps[key] = out if rc == 0 else None
        if helps[key] is None:
            continue  # not an argparse tool (a script without --help)
        unknown = sorted(o for o in options if o not in helps[key])
        if unknown:
            wrong.append(f'{page}: {script}{" " + sub if sub else ""} has no {unknown}')
    assert not wrong, '\n'.join(wrong)


def test_readme_best_models_are_the_index_best():
    from anomseg.apis import read_index
    best = {}
    for model in read_index().values():
        for dataset, metrics in model.results.items():
            if 'AP' in metrics and metrics['AP'] > best.get(dataset, (None, -1))[1]:
                best[dataset] = (model, metrics['AP'])
    readme = open(osp.join(REPO, 'README.md'), encoding='utf-8').read()
    section = readme.split('## Best published model per anomaly set')[1].split('\n## ')[0]
    rows = [r.split('|')[1:-1] for r in section.splitlines() if r.startswith('| ')][1:]
    assert sorted(r[0].strip() for r in rows) == sorted(best)
    for dataset, model_cell, scorer, ap, fpr in rows:
        model = best[dataset.strip()][0]
        assert model_cell.strip().startswith(f'`{model.name}`')
        metrics = model.results[dataset.strip()]
        assert (scorer.strip(), float(ap), float(fpr)) == (model.scorer, metrics['AP'],
                                                           metrics['FPR95'])


def test_the_readme_python_example_runs():
    """The README's example as written, on a real frame in place of frame.jpg."""
    import numpy as np

    from tests.conftest import require_shared
    frame = sorted(glob.glob(osp.join(require_shared('data', 'RoadAnomaly_jpg', 'frames'),
                                      '*.jpg')))[0]
    readme = open(osp.join(REPO, 'README.md'), encoding='utf-8').read()
    code = re.search(r'```python\n(.*?)```', readme, re.S).group(1)
    assert "'frame.jpg'" in code
    scope = {}
    exec(code.replace("'frame.jpg'", repr(frame)), scope)  # noqa: S102
    result = scope['result']
    assert result['sem_seg'].shape == (720, 1280)
    assert result['scores']['energy'].dtype == np.float32
