from zoombridge.cli import main

main()
