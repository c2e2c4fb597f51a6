# An S3 bucket: encrypted at rest, TLS only, owner-enforced object ownership, public access
# blocked unless `public`, optional versioning and expiry.

resource "aws_s3_bucket" "this" {
  bucket = var.name

  tags = merge(var.tags, { Name = var.name })
}

resource "aws_s3_bucket_ownership_controls" "this" {
  bucket = aws_s3_bucket.this.id

  rule {
    object_ownership = "BucketOwnerEnforced"
  }
}

resource "aws_s3_bucket_public_access_block" "this" {
  bucket = aws_s3_bucket.this.id

  block_public_acls       = true
  ignore_public_acls      = true
  block_public_policy     = !var.public
  restrict_public_buckets = !var.public
}

resource "aws_s3_bucket_server_side_encryption_configuration" "this" {
  bucket = aws_s3_bucket.this.id

  rule {
    apply_server_side_encryption_by_default {
      sse_algorithm = "AES256"
    }
  }
}

resource "aws_s3_bucket_versioning" "this" {
  bucket = aws_s3_bucket.this.id

  versioning_configuration {
    status = var.versioning ? "Enabled" : "Suspended"
  }
}

resource "aws_s3_bucket_lifecycle_configuration" "this" {
  count = var.expiry == null ? 0 : 1

  bucket = aws_s3_bucket.this.id

  rule {
    id     = var.expiry.rule_id
    status = "Enabled"

    filter {
      prefix = ""
    }

    expiration {
      days = var.expiry.expiration_days
    }

    noncurrent_version_expiration {
      noncurrent_days = var.expiry.noncurrent_version_expiration_days
    }

    abort_incomplete_multipart_upload {
      days_after_initiation = var.expiry.abort_incomplete_multipart_upload_days
    }
  }
}

resource "aws_s3_bucket_policy" "this" {
  bucket = aws_s3_bucket.this.id
  policy = jsonencode(var.policy)

  # A public-read policy is refused while the public access block still blocks public policies.
  depends_on = [aws_s3_bucket_public_access_block.this]
}
