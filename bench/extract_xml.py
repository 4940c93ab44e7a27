#!/usr/bin/env python3
"""Prepare the inputs of the mixed-corpus floor (run once, never timed).

usage: extract_xml.py CORPUS_DIR MANIFEST_TSV OUT_DIR

For every report listed in the generator's manifest.tsv:
  * the report's XML document is written, decompressed, to OUT_DIR/xml/NNNNN.xml;
  * the compressed attachment of each .eml is written to OUT_DIR/att/ (as the
    .xml.gz or .zip the reporter attached), so that the floor can decompress
    it with the same tools as the plain .gz and .zip files.

List files (one path per line, relative to the current directory) are
written to OUT_DIR:
  xml_all.list   every report's XML (2,000 documents for the default corpus)
  gz_all.list    every gzip payload: the .xml.gz files and the .eml gzip attachments
  zip_all.list   every zip payload: the .zip files and the .eml zip attachments
  xml_asis.list  the corpus's own .xml files
  gz_asis.list   the corpus's own .xml.gz files
  zip_asis.list  the corpus's own .zip files

Each decompressed document is checked against the manifest's xml_bytes.
Standard library only.
"""

import csv
import email
import email.policy
import gzip
import os
import sys
import zipfile


def main():
    if len(sys.argv) != 4:
        sys.exit(__doc__)
    corpus, manifest, out = sys.argv[1:4]
    os.makedirs(os.path.join(out, "xml"), exist_ok=True)
    os.makedirs(os.path.join(out, "att"), exist_ok=True)
    lists = {k: [] for k in ("xml_all", "gz_all", "zip_all", "xml_asis", "gz_asis", "zip_asis")}

    def unzip1(path):
        with zipfile.ZipFile(path) as z:
            names = z.namelist()
            if len(names) != 1:
                sys.exit("%s: expected one member, found %d" % (path, len(names)))
            return z.read(names[0])

    with open(manifest, newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f, delimiter="\t"))
    for n, row in enumerate(rows):
        fn, cont = row["file"], row["container"]
        path = os.path.join(corpus, fn)
        if cont == "xml":
            with open(path, "rb") as f:
                xml = f.read()
            lists["xml_asis"].append(path)
        elif cont == "gz":
            with open(path, "rb") as f:
                xml = gzip.decompress(f.read())
            lists["gz_asis"].append(path)
            lists["gz_all"].append(path)
        elif cont == "zip":
            xml = unzip1(path)
            lists["zip_asis"].append(path)
            lists["zip_all"].append(path)
        elif cont.startswith("eml+"):
            with open(path, "rb") as f:
                msg = email.message_from_binary_file(f, policy=email.policy.default)
            att = None
            for part in msg.walk():
                if part.get_filename():
                    att = part
                    break
            if att is None:
                sys.exit("%s: no attachment found" % path)
            payload = att.get_payload(decode=True)
            apath = os.path.join(out, "att", "%05d-%s" % (n, att.get_filename()))
            with open(apath, "wb") as f:
                f.write(payload)
            if cont == "eml+gz":
                xml = gzip.decompress(payload)
                lists["gz_all"].append(apath)
            elif cont == "eml+zip":
                xml = unzip1(apath)
                lists["zip_all"].append(apath)
            else:
                sys.exit("%s: unknown container %r" % (path, cont))
        else:
            sys.exit("%s: unknown container %r" % (path, cont))
        if len(xml) != int(row["xml_bytes"]):
            sys.exit("%s: %d bytes of XML, manifest says %s" % (path, len(xml), row["xml_bytes"]))
        xpath = os.path.join(out, "xml", "%05d.xml" % n)
        with open(xpath, "wb") as f:
            f.write(xml)
        lists["xml_all"].append(xpath)

    for k, v in lists.items():
        with open(os.path.join(out, k + ".list"), "w", encoding="utf-8") as f:
            for p in v:
                f.write(p + "\n")
    print(" ".join("%s=%d" % (k, len(v)) for k, v in sorted(lists.items())), file=sys.stderr)


if __name__ == "__main__":
    main()
