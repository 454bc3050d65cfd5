"""The pure clinical core: typed functions over an immutable Case snapshot.

Nothing in this package imports the web, the database or the network.
"""
