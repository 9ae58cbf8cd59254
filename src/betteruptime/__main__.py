from betteruptime.cli import main

main()
