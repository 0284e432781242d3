from sharekit.cli.main import main

main()
