from reviewstation.cli import main

raise SystemExit(main())
