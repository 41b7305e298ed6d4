"""What changed between captures of the same page: comparison, detection after filing,
notifications and the diff view.
"""
