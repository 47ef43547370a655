"""LocalStack provider plugin that serves ECR from moto's ECR backend."""
