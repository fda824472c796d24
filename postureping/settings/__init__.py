"""The settings file and the built-in routines: what people write, checked and explained.

- `model.py`: the one typed schema (pydantic-settings) for the file, the environment and the
  built-in routine files.
- `types.py`: the field types, each parsing what people write and saying what is allowed.
- `load.py`: read the file (never write it), apply the environment, report every problem.
- `problems.py`: pydantic's errors turned into problems a person can act on (file, key, value,
  what is allowed, "did you mean").
- `builtin.py`: the routine files shipped in the package.
- `cache.py`: what the quick commands need of the settings, remembered between runs.
- `child.py`: validation in a child process, so pydantic never loads in the daemon.
"""
