"""The reminder daemon: `postureping run`, its threads and its adapters."""
