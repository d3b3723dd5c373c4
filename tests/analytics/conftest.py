# The blocks' question bank: reports are made of blocks taken from it.
from tests.blocks.conftest import bank  # noqa: F401
