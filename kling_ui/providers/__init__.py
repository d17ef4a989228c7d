"""Video providers: the classes (base, preview, runcomfy, runninghub), the registry that
names them (registry.py) and the factory that builds one from settings (factory.py).

Empty on purpose: importing a provider module runs this first, and config.py imports the
registry, so nothing here may import settings.
"""
