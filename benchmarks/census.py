"""A large council's children in need census XML: read, checked and loaded, against lxml.

The file is synthetic (written here, for the council in ``config/council.yaml``): a year's
census of ``children`` children, each with one or two referral episodes, most with an
assessment, some with a section 47 enquiry, each with the identifiers and characteristics a
real export carries (read past by the loader). The bound for time is a bare
``lxml.etree.iterparse`` pass over the same file in the same run (every element's end
event, each ``<Child>`` let go: the least any streamed reader of the file can do); the
bound for memory is that pass's own peak in a fresh process.
"""

from __future__ import annotations

import random
import tempfile
from datetime import date, timedelta
from pathlib import Path

from lxml import etree

from benchmarks.loading import PEAK, peak_in_child
from benchmarks.timing import Measurement, median_seconds
from etl.write.load import load_paths
from metrics.config import load_config

YEAR_START = date(2021, 4, 1)
#: The time and memory targets (issue 28): within 10 s and 3× the bare pass; under 1 GB.
SECONDS, RATIO, MEMORY_MB = 10.0, 3.0, 1024


def _day(rng: random.Random, start: date, span: int) -> date:
    return start + timedelta(days=rng.randrange(span))


def _episode(rng: random.Random, referral: date) -> str:
    parts = [
        f"<CINdetails><CINreferralDate>{referral}</CINreferralDate>"
        "<ReferralSource>1A</ReferralSource><PrimaryNeedCode>N1</PrimaryNeedCode>"
    ]
    if rng.random() < 0.8:
        start = referral + timedelta(days=rng.randrange(5))
        done = start + timedelta(days=rng.randrange(20, 80))
        authorised = (
            f"<AssessmentAuthorisationDate>{done}</AssessmentAuthorisationDate>"
            if done <= date(2022, 3, 31)
            else ""
        )
        parts.append(
            f"<Assessments><AssessmentActualStartDate>{start}</AssessmentActualStartDate>"
            f"{authorised}<FactorsIdentifiedAtAssessment><AssessmentFactors>2A"
            "</AssessmentFactors></FactorsIdentifiedAtAssessment></Assessments>"
        )
    if rng.random() < 0.25:
        s47 = referral + timedelta(days=rng.randrange(3))
        icpc = s47 + timedelta(days=rng.randrange(10, 30))
        held = f"<DateOfInitialCPC>{icpc}</DateOfInitialCPC>" if icpc <= date(2022, 3, 31) else ""
        parts.append(
            f"<Section47><S47ActualStartDate>{s47}</S47ActualStartDate>{held}"
            "<ICPCnotRequired>false</ICPCnotRequired></Section47>"
        )
    parts.append("<ReferralNFA>false</ReferralNFA></CINdetails>")
    return "".join(parts)


def census_file(folder: Path, children: int) -> Path:
    """The synthetic census of ``children`` children (written once, then reused)."""
    la_code = load_config().la_code or "999"
    target = folder / f"census-{children}-{la_code}" / "cin_census_2022.xml"
    if target.exists():
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    rng = random.Random(28)
    with target.open("w", encoding="utf-8") as fh:
        fh.write(
            '<?xml version="1.0" encoding="utf-8"?>\n<Message><Header><CollectionDetails>'
            "<Collection>CIN</Collection><Year>2022</Year><ReferenceDate>2022-03-31"
            f"</ReferenceDate></CollectionDetails><Source><SourceLevel>L</SourceLevel><LEA>"
            f"{la_code}</LEA><SoftwareCode>benchmark</SoftwareCode></Source></Header>"
            "<Children>\n"
        )
        for n in range(children):
            episodes = [_day(rng, YEAR_START - timedelta(days=200), 560)]
            if rng.random() < 0.2:
                episodes.append(episodes[0] + timedelta(days=rng.randrange(30, 400)))
            episodes = [e for e in episodes if e <= date(2022, 3, 31)]
            fh.write(
                f"<Child><ChildIdentifiers><LAchildID>BENCH{n:06d}</LAchildID>"
                "<UPNunknown>UN1</UPNunknown><PersonBirthDate>2012-01-01</PersonBirthDate>"
                "<GenderCurrent>1</GenderCurrent></ChildIdentifiers><ChildCharacteristics>"
                "<Ethnicity>WBRI</Ethnicity><Disabilities><Disability>NONE</Disability>"
                "</Disabilities></ChildCharacteristics>"
                + "".join(_episode(rng, e) for e in episodes)
                + "</Child>\n"
            )
        fh.write("</Children></Message>\n")
    return target


def bare_pass(path: Path) -> int:
    """lxml's ``iterparse`` over the file with nothing read: every element's end event, each
    ``<Child>`` let go once parsed (as any streamed reader must, to bound its memory)."""
    count = 0
    for _, element in etree.iterparse(str(path)):
        if element.tag == "Child":
            count += 1
            element.clear()
            while element.getprevious() is not None:
                del element.getparent()[0]
    return count


def _load(path: Path) -> None:
    with tempfile.TemporaryDirectory(prefix="bench-census-") as tmp:
        [result] = load_paths(Path(tmp) / "csc.duckdb", [path])
        if result.status != "loaded":
            raise RuntimeError(f"benchmark census was not loaded: {result.report.summary()}")


LOADER_CHILD = (
    PEAK
    + """
import sys
from pathlib import Path
from etl.write.load import load_paths
report(load_paths(Path(sys.argv[1]), [Path(sys.argv[2])])[0].status)
"""
)
BARE_CHILD = (
    PEAK
    + """
import sys
from benchmarks.census import bare_pass
bare_pass(sys.argv[2])
report("loaded")
"""
)


def measure(folder: Path, children: int, runs: int, cap_mb: float) -> list[Measurement]:
    """Time (median of ``runs``, after one untimed load) and peak memory of loading the
    census into a fresh store, each against the bare lxml pass."""
    path = census_file(folder, children)
    _load(path)
    bound = median_seconds(lambda: bare_pass(path), runs)
    loader = median_seconds(lambda: _load(path), runs)
    what = f"Load a CIN census XML, {children:,} children ({path.stat().st_size / 2**20:,.0f} MB)"
    time_line = Measurement(
        "census_load",
        what,
        "fresh store",
        loader,
        "s",
        runs,
        "bare lxml iterparse pass",
        bound,
        (SECONDS, "s"),
        ratio_limit=RATIO,
    )
    memory = peak_in_child(LOADER_CHILD, path, cap_mb, None)
    bare = peak_in_child(BARE_CHILD, path, cap_mb, None)
    memory_line = Measurement(
        "census_memory",
        f"Loader peak memory, CIN census of {children:,} children",
        "fresh store",
        memory["peak_mb"],
        "MB",
        1,
        "bare lxml iterparse pass peak",
        bare["peak_mb"],
        (MEMORY_MB, "MB"),
        note=memory["status"],
    )
    return [time_line, memory_line]
