from sharekit.cli import main

main()
