"""Reading files and YAML front matter: encodings, line ends, PyYAML's typing traps, exact lines."""

import os
import subprocess
import sys

import pytest

from site_builder.frontmatter import parse_yaml, read_at_most, read_config, read_document, read_text
from site_builder.plainyaml import YList, YMap


def write(tmp_path, data: bytes, name="e.md"):
    path = tmp_path / name
    path.write_bytes(data)
    return path


def doc_of(tmp_path, data: bytes):
    doc, problems = read_document(write(tmp_path, data), "e.md")
    return doc, [str(p) for p in problems]


def meta_of(text: str):
    meta, problems = parse_yaml(text, "e.md", first_line=2)
    assert problems == []
    return meta


def test_scalars_stay_as_written():
    meta = meta_of("date: 2024-10-16\nyear: 2024\nmonth: 2024-10\nno: NO\nclock: 12:30\noctal: 010\nf: 1.50\nq: 'x'\n")
    assert dict(meta) == {"date": "2024-10-16", "year": "2024", "month": "2024-10", "no": "NO",
                          "clock": "12:30", "octal": "010", "f": "1.50", "q": "x"}


def test_only_plain_nulls_are_none():
    meta = meta_of("a:\nb: ~\nc: null\nd: ''\ne: 'null'\n")
    assert dict(meta) == {"a": None, "b": None, "c": None, "d": "", "e": "null"}


def test_lines_of_keys_and_items():
    meta = meta_of("title: T\nactors:\n  - NATO\n  - name: Mark Rutte\n    role: speaker\nsources:\n\n  - url: u\n")
    assert meta.line_of("title") == 2
    assert meta.line_of("actors") == 3
    actors = meta["actors"]
    assert isinstance(actors, YList) and [actors.line_of(0), actors.line_of(1)] == [4, 5]
    assert isinstance(actors[1], YMap) and actors[1].line_of("role") == 6
    assert meta["sources"].line_of(0) == 9
    assert meta.line_of("missing") == meta.line == 2


def test_bom_and_crlf(tmp_path):
    doc, problems = doc_of(tmp_path, b"\xef\xbb\xbf---\r\ntitle: T\r\ndate: 2024\r\n---\r\nBody\r\nmore\r\n")
    assert problems == []
    assert dict(doc.meta) == {"title": "T", "date": "2024"}
    assert doc.meta.line_of("date") == 3
    assert doc.body == "Body\nmore\n" and doc.body_line == 5


def test_old_mac_line_ends(tmp_path):
    doc, problems = doc_of(tmp_path, b"---\rtitle: T\r---\rBody\r")
    assert problems == [] and doc.meta == {"title": "T"} and doc.body == "Body\n"


def test_body_starts_after_closing_line(tmp_path):
    doc, _ = doc_of(tmp_path, b"---\ntitle: T\n...\n\nBody\n")
    assert doc.body == "\nBody\n" and doc.body_line == 4


@pytest.mark.parametrize("data, message", [
    (b"", "e.md:1: file: is empty"),
    (b"  \n\n", "e.md:1: file: is empty"),
    (b"title: T\n", "e.md:1: front matter: missing (the file must start with a line '---')"),
    (b"---\ntitle: T\n", "e.md:1: front matter: is not closed"),
    (b"---\ntitle: T\ndate: 2024\nactors: [NATO\n---\n", "e.md:4: front matter: is not valid YAML:"),
    (b"---\ntitle: T\n  bad: indent\n---\n", "e.md:3: front matter: is not valid YAML:"),
    (b"---\n- a\n- b\n---\n", "e.md:2: front matter: must be a mapping"),
    (b"---\njust words\n---\n", "e.md:2: front matter: must be a mapping"),
    (b"---\ntitle: caf\xe9\n---\n", "e.md:2: file: is not valid UTF-8 (byte 0xe9"),
    (b"---\ntitle: T\n---\nok\nnul\x00\n", "e.md:5: file: contains the control character U+0000"),
    (b"---\ntitle: a\x0bb\n---\n", "e.md:2: file: contains the control character U+000B"),
    (b"---\ntitle: T\ntitle: U\n---\n", "e.md:3: title: is written twice (first on line 2; keep one)"),
    (b"---\ntitle: &t T\nlocation: *t\n---\n", "are not allowed (write the value out)"),
    (b"---\ntitle: !!python/object:os.system T\n---\n", "e.md:2: front matter: the YAML tag"),
    (b"---\ntitle: !!binary aGk=\n---\n", "is not allowed (plain values only)"),
    (b"---\n? [a, b]\n: 1\n---\n", "e.md:2: front matter: a key must be a plain name"),
    (b'---\ntitle: "a\\x01b"\n---\n', "e.md:2: front matter: the character U+0001 is not allowed"),
    (b'---\ntitle: ok\nlocation: "\\ud800"\n---\n', "e.md:3: front matter: is not valid YAML"),
])
def test_broken_files_are_problems_not_exceptions(tmp_path, data, message):
    doc, problems = doc_of(tmp_path, data)
    assert doc is None
    assert len(problems) == 1 and message in problems[0], problems


def test_anchor_message_names_the_alias_line(tmp_path):
    _, problems = doc_of(tmp_path, b"---\ntitle: &t T\ndate: 2024\nlocation: *t\n---\n")
    assert problems[0].startswith("e.md:4: front matter: YAML anchors and aliases")


def test_line_separator_characters_do_not_shift_lines():
    # PyYAML counts U+2028 as a line break; editors and our messages do not.
    meta, problems = parse_yaml("title: a\u2028b\u2028c\nlocation: [x\n", "e.md", first_line=2)
    assert meta is None and problems[0].line == 2  # the stray "b" stands on line 2 for the writer
    meta = meta_of("title: 'a\u2028b'\ndate: 2024\n")
    assert meta.line_of("date") == 3


def test_huge_nesting_is_refused_cleanly():
    _, problems = parse_yaml("a: " + "[" * 5000 + "]" * 5000 + "\n", "e.md")
    assert problems and problems[0].field == "front matter"


def test_too_large_file(tmp_path):
    text, problems = read_text(write(tmp_path, b"x" * (2 * 1024 * 1024 + 1)), "e.md")
    assert text is None and "is too large (at most 2 MiB)" in str(problems[0])


def test_reading_stops_one_byte_past_the_limit(tmp_path):
    assert len(read_at_most("/dev/zero", 1000)) == 1001  # a device has no size: read on to the limit
    path = write(tmp_path, b"x" * 1000)
    assert read_at_most(path, 1000) == b"x" * 1000 and read_at_most(path, 999) == b"x" * 1000
    assert read_at_most(write(tmp_path, b""), 1000) == b""


def test_unreadable_path(tmp_path):
    text, problems = read_text(tmp_path, "dir.md")
    assert text is None and str(problems[0]).startswith("dir.md:1: file: cannot be read")


def test_config_reads_whole_file_with_bom(tmp_path):
    meta, problems = read_config(write(tmp_path, b"\xef\xbb\xbftitle: X\r\nbase_url: /p/\r\n", "site.yaml"), "site.yaml")
    assert problems == [] and dict(meta) == {"title": "X", "base_url": "/p/"} and meta.line_of("base_url") == 2


@pytest.mark.parametrize("data, message", [
    (b"- a\n", "site.yaml:1: site.yaml: must be a mapping"),
    (b"title: [\n", "site.yaml:2: site.yaml: is not valid YAML"),
    (b"title: X\ntitle: Y\n", "site.yaml:2: title: is written twice"),
])
def test_broken_config(tmp_path, data, message):
    meta, problems = read_config(write(tmp_path, data, "site.yaml"), "site.yaml")
    assert meta is None and message in str(problems[0])


def test_empty_config_is_an_empty_mapping(tmp_path):
    meta, problems = read_config(write(tmp_path, b"", "site.yaml"), "site.yaml")
    assert problems == [] and meta == {}


def test_pyyaml_is_imported_only_for_front_matter_outside_the_plain_subset(scratch):
    scratch.event("plain")
    probe = ("import sys; from site_builder.build import build; build(sys.argv[1]);"
             " print('yaml' in sys.modules, 'site_builder.anyyaml' in sys.modules)")
    ran = subprocess.run([sys.executable, "-c", probe, str(scratch.root)], capture_output=True, text=True, check=True,
                         env={**os.environ, "SITE_BUILDER_JOBS": "1"})
    assert ran.stdout.split()[-2:] == ["False", "False"]
    text = (scratch.root / "content/events/plain.md").read_text()
    (scratch.root / "content/events/plain.md").write_text(text.replace("---\n", "---\nsummary: >\n  Folded.\n", 1))
    ran = subprocess.run([sys.executable, "-c", probe, str(scratch.root)], capture_output=True, text=True, check=True,
                         env={**os.environ, "SITE_BUILDER_JOBS": "1"})
    assert ran.stdout.split()[-2:] == ["True", "True"]
