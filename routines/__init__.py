"""Built-in routine definitions: one TOML file each, shipped as postureping.builtin_routines."""
