from mrconsole.cli.main import main

raise SystemExit(main())
