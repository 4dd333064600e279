"""python -m minehunt"""

from minehunt.cli import main

main()
