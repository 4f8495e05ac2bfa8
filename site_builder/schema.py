"""JSON Schemas of event, actor and claim front matter, generated from the loader's own field rules.

The schemas are shipped in the package (site_builder/schemas/*.json, regenerated with
`python -m site_builder.schema`) and written to every build as schema/event.json, schema/actor.json and schema/claim.json.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from site_builder import content

DRAFT = "http://json-schema.org/draft-07/schema#"  # the newest draft editors' YAML plugins all read
PACKAGED = Path(__file__).parent / "schemas"
RULES = {
    "event": (content.EVENT, "site_builder event", "Front matter of one event file (content/events/**/*.md)."),
    "actor": (content.ACTOR, "site_builder actor", "Front matter of one actor file (content/actors/*.md)."),
    "claim": (content.CLAIM, "site_builder claim", "Front matter of one claim file (content/claims/*.md)."),
}


def front_matter_schema(name: str) -> dict:
    """The JSON Schema of one kind of front matter ('event', 'actor' or 'claim')."""
    rule, title, description = RULES[name]
    return {"$schema": DRAFT, "title": title, "description": description, **rule.schema()}


def schema_text(name: str) -> str:
    """A schema as stable, readable JSON text."""
    return json.dumps(front_matter_schema(name), ensure_ascii=False, indent=2) + "\n"


def schema_files() -> dict[str, str]:
    """The schemas as output files: schema/event.json, schema/actor.json, schema/claim.json."""
    return {f"schema/{name}.json": schema_text(name) for name in RULES}


def write_packaged(folder: Path = PACKAGED) -> list[Path]:
    """Write the schemas into the package folder; return the paths written."""
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name in RULES:
        path = folder / f"{name}.json"
        path.write_text(schema_text(name), encoding="utf-8")
        written.append(path)
    return written


if __name__ == "__main__":  # pragma: no cover - a maintainer's command
    for written_path in write_packaged(Path(sys.argv[1]) if len(sys.argv) > 1 else PACKAGED):
        print(written_path)
