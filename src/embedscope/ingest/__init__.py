"""ingest stage: finding images, decoding them (EXIF orientation, RGB), corrupt and exact-duplicate files."""

from embedscope.ingest.image_folder import ImageFolderScan, scan_image_folder
from embedscope.ingest.sample_dataset import build_sample_image_folder
from embedscope.ingest.thumbnail import load_thumbnail

__all__ = ["ImageFolderScan", "build_sample_image_folder", "load_thumbnail", "scan_image_folder"]
