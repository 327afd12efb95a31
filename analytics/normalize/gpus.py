"""Map any provider's GPU name to a canonical key <MODEL>[-<FORM>]-<VRAM>GB and a family.

Rules (see data/gpu_models.toml): a part that varies between products of a family (A100 40 vs 80 GB,
H100 SXM vs PCIe) is only included when the provider says it; a part that cannot vary (an L40S always has
48 GB) is filled in. An unrecognised name maps to status "unknown": it is kept and shown, never dropped.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from functools import lru_cache

from analytics.paths import bundled_data_dir

# Memory within this fraction of a catalogue size is that size (79.65 GiB reported for an 80 GB H100).
_VRAM_TOLERANCE = 0.10

_VENDOR_WORDS = re.compile(r"\b(NVIDIA|GEFORCE|TESLA|AMD|INSTINCT|RADEON)\b")
_MEMORY_IN_NAME = re.compile(r"(?<![A-Z0-9])(\d{2,3})\s*G(?:I?B)?(?![A-Z0-9])")
_FORM_TOKEN = re.compile(r"(?<![A-Z0-9])(SXM\d?|PCIE|PCI|NVL)(?![A-Z])")
_MEMORY_TYPE = re.compile(r"(?<![A-Z0-9])(HBM\d?E?|GDDR\dX?)(?![A-Z0-9])")


@dataclass(frozen=True)
class FamilySpec:
    family: str
    vram_gb: tuple[int, ...]
    forms: tuple[str, ...] = ()
    form_vram_gb: dict[str, int] = field(default_factory=dict)
    vendor: str = "nvidia"


@dataclass(frozen=True)
class GpuModel:
    raw_name: str
    key: str | None  # canonical key, None when the name is not recognised
    family: str | None
    form: str | None
    vram_gb: int | None
    status: str  # exact | partial | unknown
    flags: tuple[str, ...] = ()


@lru_cache(maxsize=1)
def _catalogue() -> tuple[dict[str, FamilySpec], dict[str, str]]:
    data = tomllib.loads((bundled_data_dir() / "gpu_models.toml").read_text(encoding="utf-8"))
    families: dict[str, FamilySpec] = {}
    aliases: dict[str, str] = {}
    for family, spec in data.items():
        families[family] = FamilySpec(
            family=family,
            vram_gb=tuple(spec["vram_gb"]),
            forms=tuple(spec.get("forms", ())),
            form_vram_gb=dict(spec.get("form_vram_gb", {})),
            vendor=spec.get("vendor", "nvidia"),
        )
        for alias in [family, *spec.get("aliases", [])]:
            if aliases.get(alias, family) != family:
                raise ValueError(f"gpu_models.toml: alias {alias} names two families")
            aliases[alias] = family
    return families, aliases


@lru_cache(maxsize=1)
def _instance_specs() -> list[tuple[re.Pattern, str, int | None]]:
    import csv

    with open(bundled_data_dir() / "gpu_instance_forms.csv", newline="", encoding="utf-8") as fh:
        return [
            (re.compile(r["pattern"]), r["form"], int(r["gpus"]) if r["gpus"] else None) for r in csv.DictReader(fh)
        ]


def instance_spec(instance_type: str | None) -> tuple[str, int | None] | None:
    """(form, GPUs per instance) a cloud documents for an instance family (data/gpu_instance_forms.csv, with
    sources): an AWS p5.48xlarge always carries 8 SXM modules although a catalog row may say only "H100"."""
    for pattern, form, gpus in _instance_specs() if instance_type else ():
        if pattern.search(instance_type):
            return form, gpus
    return None


def instance_form(instance_type: str | None) -> str | None:
    spec = instance_spec(instance_type)
    return spec[0] if spec else None


def known_families() -> list[str]:
    return sorted(_catalogue()[0])


def _compact(text: str) -> str:
    return re.sub(r"[^A-Z0-9]", "", text)


def _forms_in(text: str) -> set[str]:
    found = {"SXM"} if re.search(r"(?<![A-Z0-9])HGX", text) else set()  # HGX boards carry SXM modules
    for token in _FORM_TOKEN.findall(text):
        found.add("SXM" if token.startswith("SXM") else "PCIE" if token.startswith("PCI") else token)
    return found


def _match_vram(value: float | None, sizes: tuple[int, ...]) -> int | None:
    if value is None or value <= 0:
        return None
    best = min(sizes, key=lambda s: abs(s - value))
    return best if abs(best - value) <= _VRAM_TOLERANCE * best else None


@lru_cache(maxsize=4096)
def normalize_gpu(name: str, reported_vram_gb: float | None = None, hint: str | None = None) -> GpuModel:
    """Normalise one GPU name.

    name: the provider's GPU name; reported_vram_gb: memory per GPU as the provider reports it (GB or GiB);
    hint: other text that may name the form factor, such as the instance type ("gpu_1x_h100_sxm5").
    """
    raw = name or ""
    text = _VENDOR_WORDS.sub(" ", raw.upper().replace("_", " "))
    name_vram = _MEMORY_IN_NAME.search(text)
    documented = instance_form(hint)
    # A cloud's own documentation of the instance beats a third party's variant column; the name beats both.
    forms = _forms_in(text) or ({documented} if documented else _forms_in((hint or "").upper().replace("_", " ")))
    base = _MEMORY_IN_NAME.sub(" ", text)
    base = _FORM_TOKEN.sub(" ", base)
    base = _MEMORY_TYPE.sub(" ", base)
    compact = _compact(base)

    families, aliases = _catalogue()
    family_name = aliases.get(compact)
    if family_name is None:
        return GpuModel(raw, None, None, None, None, "unknown", ("unknown_gpu_name",))
    spec = families[family_name]
    flags: list[str] = []

    form = None
    relevant = forms & set(spec.forms)
    if "NVL" in relevant:
        form = "NVL"  # "H100 NVL PCIe": NVL is the product, PCIe only its bus
    elif len(relevant) == 1:
        form = relevant.pop()
    elif len(relevant) > 1:
        flags.append("conflicting_form_factor")
    if form is None and family_name == "H100" and re.search(r"(?<![A-Z0-9])HBM3(?!E)", text):
        form = "SXM"  # NVML's "NVIDIA H100 80GB HBM3" is the SXM5 module; the PCIe card carries HBM2e

    stated = float(name_vram.group(1)) if name_vram else None
    vram = _match_vram(stated, spec.vram_gb) or _match_vram(reported_vram_gb, spec.vram_gb)
    if stated is not None and _match_vram(stated, spec.vram_gb) is None:
        flags.append("unexpected_vram_in_name")
    elif (
        stated is None
        and reported_vram_gb
        and reported_vram_gb > 0
        and _match_vram(reported_vram_gb, spec.vram_gb) is None
    ):
        flags.append("unexpected_reported_vram")

    if form in spec.form_vram_gb:
        implied = spec.form_vram_gb[form]
        if vram is not None and vram != implied:
            flags.append("vram_contradicts_form")
        vram = implied
    elif form is None and vram is not None and spec.form_vram_gb:
        # A memory size only one form ships with names the form (94 GB H100 = NVL).
        forms_with_size = [f for f, v in spec.form_vram_gb.items() if v == vram]
        if len(forms_with_size) == 1 and list(spec.form_vram_gb.values()).count(vram) == 1:
            form = forms_with_size[0]
    if vram is None:
        if len(spec.vram_gb) == 1:
            vram = spec.vram_gb[0]
        elif spec.form_vram_gb and "NVL" in spec.form_vram_gb and form is None:
            # Every non-NVL product of the family has the same memory: fill it in.
            non_nvl = {v for f, v in spec.form_vram_gb.items() if f != "NVL"}
            if len(non_nvl) == 1:
                vram = non_nvl.pop()

    parts = [family_name]
    if form and len(spec.forms) > 1:
        parts.append(form)
    if vram is not None:
        parts.append(f"{vram}GB")
    key = "-".join(parts)
    complete = vram is not None and (len(spec.forms) <= 1 or form is not None)
    if vram is None:
        flags.append("vram_unknown")
    if len(spec.forms) > 1 and form is None:
        flags.append("form_factor_unknown")
    return GpuModel(raw, key, family_name, form, vram, "exact" if complete else "partial", tuple(flags))
