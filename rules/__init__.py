"""The bundled rule pack (YAML data), importable as ``qianqi_rules.pack``.

This file only makes the folder a package so that the pack is found both in
installed and in editable installs; there is no code here.
"""
