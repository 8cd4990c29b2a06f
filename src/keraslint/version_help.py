"""The help text of the `keras-version` setting, on its own: flake8 registers the option on every
run, also for files without Keras, and importing this costs nothing."""

KERAS_VERSION_HELP = (
    "Keras version the code targets (default: auto). Accepted: "
    "a Keras version ('2.2.4' -> L1, '2.3' -> L2, '2.4'..'2.15' -> L3, '2.16'..'2.21' -> L4 "
    "(no standalone Keras 2.16 exists, so this means tf-keras), '3' / '3.15.1' -> L5), "
    "also written 'keras==X' or 'keras X'; a TensorFlow version 'tensorflow==X', 'tf==X', "
    "'tensorflow X' or 'tfX' (1.x and 2.0-2.1 -> L2, 2.2-2.15 -> L3, 2.16+ -> L5); "
    "'tf-keras==X' (2.16+ -> L4, older like that TensorFlow version); a range such as "
    "'keras>=2.3,<3' (every line it admits); a line L1..L5 or several ('L3,L4'); "
    "'any' (every line); 'auto' or empty (read the project's pins, then the installed packages)."
)
