"""Self-supervised fine-tuning (SimCLR) of the image model on a dataset's own images.

Importing this package never imports torch; the training and export functions import it when called.
"""
