from postureping.cli import main

raise SystemExit(main())
