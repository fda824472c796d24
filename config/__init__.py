"""The commented starter settings file, shipped as postureping.default_config."""
