"""One module per sub-command: each has add_arguments(name, parser) and run(args, ctx)."""
