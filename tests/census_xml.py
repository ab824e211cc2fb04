"""Census XML files written as the case management systems export them, for the census tests.

The layout follows the DfE's CIN census and CSWW schemas (Social Finance's liia-tools keeps
them): a ``Header`` with ``CollectionDetails`` and ``Source``, then the records. Every value
here is synthetic (the fictional Northmoor Borough Council, LA 999).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

#: Personal values in the fixtures: none may reach the store, a staged file, a kept file,
#: the log or anything printed.
UPN = "Z999888777666"
FORMER_UPN = "Y111222333444"
BIRTH_DATE = "2009-02-17"
EXPECTED_BIRTH = "2009-02-13"
SWE_NUMBER = "QX9988776655"
WORKER_BIRTH = "1979-11-03"


def header(collection: str, year: int, reference_date: str, lea: str = "999") -> str:
    return f"""<Header>
    <CollectionDetails>
      <Collection>{collection}</Collection>
      <Year>{year}</Year>
      <ReferenceDate>{reference_date}</ReferenceDate>
    </CollectionDetails>
    <Source>
      <SourceLevel>L</SourceLevel>
      <LEA>{lea}</LEA>
      <SoftwareCode>Northmoor test export</SoftwareCode>
      <DateTime>2022-05-03T09:00:00</DateTime>
    </Source>
  </Header>"""


@dataclass
class Episode:
    """One ``CINdetails``: a referral, and the assessments and section 47s that followed."""

    referral: str
    closure: str = ""
    assessments: list[tuple[str, str]] = field(default_factory=list)  # (start, authorised)
    s47s: list[tuple[str, str, str]] = field(default_factory=list)  # (start, icpc, not req.)
    extra: str = ""

    def xml(self) -> str:
        parts = [f"<CINreferralDate>{self.referral}</CINreferralDate>"]
        parts.append("<ReferralSource>1A</ReferralSource><PrimaryNeedCode>N1</PrimaryNeedCode>")
        if self.closure:
            parts.append(f"<CINclosureDate>{self.closure}</CINclosureDate>")
            parts.append("<ReasonForClosure>RC1</ReasonForClosure>")
        for start, authorised in self.assessments:
            done = f"<AssessmentAuthorisationDate>{authorised}</AssessmentAuthorisationDate>"
            parts.append(
                f"<Assessments><AssessmentActualStartDate>{start}</AssessmentActualStartDate>"
                f"{done if authorised else ''}<FactorsIdentifiedAtAssessment><AssessmentFactors>"
                "2A</AssessmentFactors></FactorsIdentifiedAtAssessment></Assessments>"
            )
        for start, icpc, not_required in self.s47s:
            held = f"<DateOfInitialCPC>{icpc}</DateOfInitialCPC>" if icpc else ""
            parts.append(
                f"<Section47><S47ActualStartDate>{start}</S47ActualStartDate>{held}"
                f"<ICPCnotRequired>{not_required}</ICPCnotRequired></Section47>"
            )
        parts.append("<ReferralNFA>false</ReferralNFA>")
        parts.append(self.extra)
        return "<CINdetails>" + "".join(parts) + "</CINdetails>"


def child(child_id: str, *episodes: Episode, sex: str = "GenderCurrent") -> str:
    return (
        "<Child><ChildIdentifiers>"
        f"<LAchildID>{child_id}</LAchildID><UPN>{UPN}</UPN><FormerUPN>{FORMER_UPN}</FormerUPN>"
        f"<PersonBirthDate>{BIRTH_DATE}</PersonBirthDate>"
        f"<ExpectedPersonBirthDate>{EXPECTED_BIRTH}</ExpectedPersonBirthDate>"
        f"<{sex}>1</{sex}></ChildIdentifiers>"
        "<ChildCharacteristics><Ethnicity>WBRI</Ethnicity><Disabilities><Disability>NONE"
        "</Disability></Disabilities></ChildCharacteristics>"
        + "".join(e.xml() for e in episodes)
        + "</Child>"
    )


def cin_census(
    children: list[str], year: int = 2022, reference_date: str = "2022-03-31", lea: str = "999"
) -> str:
    return (
        '<?xml version="1.0" encoding="utf-8"?>\n<Message>\n  '
        + header("CIN", year, reference_date, lea)
        + "\n  <Children>\n"
        + "\n".join(children)
        + "\n  </Children>\n</Message>\n"
    )


def worker(
    swe: str,
    cases: str,
    fte: str = "1.000000",
    role: str = "5",
    agency: str = "0",
    start: str = "2015-04-01",
    origin: str = "2",
    end: str = "",
) -> str:
    return (
        f"<CSWWWorker><AgencyWorker>{agency}</AgencyWorker><SWENo>{swe}</SWENo>"
        f"<FTE>{fte}</FTE><PersonBirthDate>{WORKER_BIRTH}</PersonBirthDate>"
        "<GenderCurrent>2</GenderCurrent><Ethnicity>WBRI</Ethnicity>"
        "<QualInst>Northmoor University</QualInst><QualLevel>1</QualLevel>"
        f"<OrgRole>{role}</OrgRole><RoleStartDate>{start}</RoleStartDate>"
        f"<StartOrigin>{origin}</StartOrigin>"
        + (f"<RoleEndDate>{end}</RoleEndDate>" if end else "")
        + (f"<Cases30>{cases}</Cases30>" if cases else "")
        + "</CSWWWorker>"
    )


def csww_census(workers: list[str], year: int = 2021, lea: str = "999") -> str:
    return (
        '<?xml version="1.0" encoding="utf-8"?>\n<Message>\n  '
        + header("CSWW", year, f"{year}-09-30", lea)
        + "\n  <LALevelVacancies><NumberOfVacancies>3.00</NumberOfVacancies>"
        "<NoAgencyFTE>2.00</NoAgencyFTE><NoAgencyHeadcount>2</NoAgencyHeadcount>"
        "</LALevelVacancies>\n" + "\n".join(workers) + "\n</Message>\n"
    )


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path
