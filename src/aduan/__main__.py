from aduan.cli import main

main()
