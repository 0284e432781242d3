"""`sharekit schema`: the JSON Schema of sharekit.yml, for editors and CI (`sharekit.config.schema`)."""

from __future__ import annotations

import sys

from sharekit.cli import common


@common.handle_errors
def schema() -> None:
    """Print the JSON Schema of sharekit.yml (committed as sharekit.schema.json).

    Editors complete and check keys with it (a `# yaml-language-server: $schema=…` first line, as
    `sharekit init` writes); CI can check a config with any JSON Schema validator.

    Example: sharekit schema > sharekit.schema.json
    """
    from sharekit.config.schema import schema_text

    sys.stdout.write(schema_text())
