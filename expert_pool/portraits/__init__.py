"""Portraits (数据画像): what the records say about one expert, one supervision body, one inspector."""
