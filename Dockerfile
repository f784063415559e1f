# The attention workbook in a container: Debian with Node 22, the native kernels' compiler and OpenBLAS,
# JupyterLab 4 and the workbook's kernel, all set up by the project's one set-up script (scripts/install.sh,
# the same script .ci/run runs; --minimal leaves out the tests' browser and classic Notebook).
#   docker build -t attention-workbook .
#   docker run --rm -p 8888:8888 attention-workbook      # then open the URL it prints
FROM node:22-bookworm
WORKDIR /workbook
COPY . .
RUN bash scripts/install.sh --minimal && rm -rf /var/lib/apt/lists/*
EXPOSE 8888
CMD ["npm", "start", "--", "--ip=0.0.0.0", "--port=8888", "--no-browser"]
