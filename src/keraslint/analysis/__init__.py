"""Facts about a module: Keras names, constant values, models and compile() sites.

Every fact is either established or UNKNOWN; rules never see a guess.
"""
