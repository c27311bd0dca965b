"""The files every scaffolded plugin has: ``pyproject.toml`` (with the ``harness`` entry point) and
the hook module that registers the component and the package's registry folder."""

from __future__ import annotations

from string import Template

PYPROJECT = Template("""\
[build-system]
requires = ["setuptools>=68"]
build-backend = "setuptools.build_meta"

[project]
name = "${name}"
version = "0.1.0"
description = "${description}"
requires-python = ">=3.10"
dependencies = ["harness-eval"]

[project.optional-dependencies]
test = ["pytest>=8"]

# The line that makes this a harness plugin: an entry point in the group "harness".
[project.entry-points.harness]
${name} = "${module}"

[tool.setuptools]
packages = ["${module}"]

[tool.setuptools.package-data]
${module} = [${package_data}]

[tool.pytest.ini_options]
testpaths = ["tests"]
""")

HOOKS = Template('''\
"""The ${name} plugin: ${description}

harness finds this module through the entry point in pyproject.toml and calls its
hooks. Specs name factories by import string: ``harness list`` imports no more.
"""

from __future__ import annotations

from pathlib import Path

from harness import ${spec}, hookimpl


@hookimpl
def ${hook}(register):
    register(
        ${spec}(
            name="${name}",
            factory="${module}.${factory}",
            description="${description}",${spec_fields}
        )
    )


@hookimpl
def harness_registry_paths():
    # registry/categories/*.yaml become eval categories (harness list category)
    return [Path(__file__).parent / "registry"]
''')

CATEGORY = Template("""\
# An eval category (`harness list category` shows it): a sample whose category
# is "${category}" is judged with the prompt below.
id: ${category}
display_name: ${display_name}
description: ${category_description}
gold_shown: true
prompt: |
${prompt}
""")
