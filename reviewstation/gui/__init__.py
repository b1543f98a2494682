"""Everything Qt: application, windows, widgets and the vault thread.

Kept import-free so that ``import reviewstation.gui`` costs nothing; the command line imports
``reviewstation.gui.app.run`` only when it actually opens the desktop app.
"""
