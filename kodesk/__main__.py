from kodesk.cli import main

raise SystemExit(main())
