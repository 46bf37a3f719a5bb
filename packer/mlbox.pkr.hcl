# Bake an ML in a Box template image: boot a cloud image, run playbooks/site.yml, then
# playbooks/template.yml, and keep the disk. The qemu builder works on any Linux host with KVM and
# gives a qcow2 image that OpenStack, Proxmox, libvirt and most clouds import; to build in a cloud
# directly, swap the source block for that cloud's builder (amazon-ebs, googlecompute, azure-arm) and
# keep the provisioners as they are.
#
#   packer init packer/ && packer build -var profile=current packer/
packer {
  required_version = ">= 1.7.0"
  required_plugins {
    qemu = {
      source  = "github.com/hashicorp/qemu"
      version = ">= 1.1.0"
    }
    ansible = {
      source  = "github.com/hashicorp/ansible"
      version = ">= 1.1.0"
    }
  }
}

variable "profile" {
  type        = string
  default     = "current"
  description = "Stack profile (playbooks/vars/profiles/<profile>.yml): current, seed-2021 or cpu."
}

variable "base_image_url" {
  type        = string
  default     = "https://cloud-images.ubuntu.com/noble/current/noble-server-cloudimg-amd64.img"
  description = "Cloud image to start from (Ubuntu 22.04/24.04 or Debian 12/13 genericcloud)."
}

variable "base_image_checksum" {
  type        = string
  default     = "file:https://cloud-images.ubuntu.com/noble/current/SHA256SUMS"
  description = "Checksum of the base image, or file:<url> of a checksum list."
}

variable "disk_size" {
  type        = string
  default     = "60G"
  description = "Disk of the template; the CUDA toolkit and the frameworks need about 35 GB."
}

variable "ssh_username" {
  type        = string
  default     = "ubuntu"
  description = "User that cloud-init creates in the base image (debian for Debian images)."
}

variable "ssh_private_key_file" {
  type        = string
  description = "Private key whose public half cloud-init installs (see packer/cloud-init/user-data)."
}

variable "output_directory" {
  type    = string
  default = "artifacts/packer"
}

source "qemu" "mlbox" {
  iso_url          = var.base_image_url
  iso_checksum     = var.base_image_checksum
  disk_image       = true
  disk_size        = var.disk_size
  format           = "qcow2"
  accelerator      = "kvm"
  cpus             = 4
  memory           = 8192
  headless         = true
  cd_label         = "cidata"
  cd_files         = ["${path.root}/cloud-init/meta-data", "${path.root}/cloud-init/user-data"]
  ssh_username     = var.ssh_username
  ssh_private_key_file = var.ssh_private_key_file
  ssh_timeout      = "20m"
  shutdown_command = "sudo shutdown -P now"
  output_directory = var.output_directory
  vm_name          = "mlbox-${var.profile}.qcow2"
}

build {
  sources = ["source.qemu.mlbox"]

  # The stack. use_proxy = false: Ansible connects straight to the VM, so the reboot module works
  # (the driver role reboots once, in one guarded place, when a new kernel module must be loaded).
  provisioner "ansible" {
    playbook_file = "${path.root}/../playbooks/site.yml"
    user          = var.ssh_username
    use_proxy     = false
    extra_arguments = [
      "--become",
      "--extra-vars", "mlbox_profile=${var.profile}",
      "--extra-vars", "mlbox_image_build=true",
    ]
    ansible_env_vars = [
      "ANSIBLE_CONFIG=${path.root}/../ansible.cfg",
      "ANSIBLE_HOST_KEY_CHECKING=False",
    ]
  }

  # Turn the VM into a template: caches, logs, machine-id, host keys, the build user's keys.
  provisioner "ansible" {
    playbook_file = "${path.root}/../playbooks/template.yml"
    user          = var.ssh_username
    use_proxy     = false
    extra_arguments = [
      "--become",
      "--extra-vars", "mlbox_profile=${var.profile}",
      "--extra-vars", "mlbox_image_build=true",
      # The build user's SSH key must not ship in the image: it would open every clone.
      "--extra-vars", "{\"template_prep_remove_authorized_keys_for\": [\"${var.ssh_username}\"]}",
    ]
    ansible_env_vars = [
      "ANSIBLE_CONFIG=${path.root}/../ansible.cfg",
      "ANSIBLE_HOST_KEY_CHECKING=False",
    ]
  }
}
