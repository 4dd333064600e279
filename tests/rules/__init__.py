"""Tests of the YARA rule set in src/minehunt/intel/rules."""
