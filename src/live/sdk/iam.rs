//! IAM through the SDK: one call (or one paginator) per method, answers translated into the live
//! types. Documents pass through as the raw text AWS returned; the model decodes them.

use aws_sdk_iam::types::{PolicyScopeType, PolicyUsageType, Tag};

use super::{SdkAws, ensured_unless, live_error, not_found_as_none};
use crate::live::{
    Ensured, ErrorKind, IamApi, LiveError, NewOidcProvider, NewPolicy, NewRole, OidcProviderInfo,
    PolicyEntities, PolicyInfo, PolicyVersionInfo, RoleInfo,
};
use crate::model::{TagTarget, Tags};

/// IAM's largest page; the default is 100.
const PAGE: i32 = 1000;

fn sdk_tags(operation: &'static str, tags: &Tags) -> Result<Vec<Tag>, LiveError> {
    tags.iter()
        .map(|(k, v)| {
            Tag::builder()
                .key(k)
                .value(v)
                .build()
                .map_err(|e| LiveError::new(operation, ErrorKind::Invalid, None, e))
        })
        .collect()
}

fn live_tags(tags: &[Tag]) -> Tags {
    tags.iter()
        .map(|t| (t.key().to_string(), t.value().to_string()))
        .collect()
}

impl IamApi for SdkAws {
    async fn list_oidc_providers(&self) -> Result<Vec<String>, LiveError> {
        let out = self
            .iam
            .list_open_id_connect_providers()
            .send()
            .await
            .map_err(|e| live_error("iam:ListOpenIDConnectProviders", e))?;
        Ok(out
            .open_id_connect_provider_list()
            .iter()
            .filter_map(|p| p.arn().map(str::to_string))
            .collect())
    }

    async fn get_oidc_provider(&self, arn: &str) -> Result<Option<OidcProviderInfo>, LiveError> {
        let result = self
            .iam
            .get_open_id_connect_provider()
            .open_id_connect_provider_arn(arn)
            .send()
            .await
            .map(|out| OidcProviderInfo {
                arn: arn.to_string(),
                url: out.url().unwrap_or_default().to_string(),
                client_ids: out.client_id_list().to_vec(),
                thumbprints: out.thumbprint_list().to_vec(),
                tags: live_tags(out.tags()),
            })
            .map_err(|e| live_error("iam:GetOpenIDConnectProvider", e));
        not_found_as_none(result)
    }

    async fn create_oidc_provider(&self, new: &NewOidcProvider<'_>) -> Result<Ensured, LiveError> {
        const OP: &str = "iam:CreateOpenIDConnectProvider";
        // Thumbprints are optional since AWS trusts the IdP's CA; an empty list is left out.
        let thumbprints = (!new.thumbprints.is_empty()).then(|| new.thumbprints.to_vec());
        let result = self
            .iam
            .create_open_id_connect_provider()
            .url(new.url)
            .set_client_id_list(Some(new.client_ids.to_vec()))
            .set_thumbprint_list(thumbprints)
            .set_tags(Some(sdk_tags(OP, new.tags)?))
            .send()
            .await
            .map(|_| ())
            .map_err(|e| live_error(OP, e));
        ensured_unless(ErrorKind::AlreadyExists, result)
    }

    async fn add_client_id(&self, arn: &str, client_id: &str) -> Result<(), LiveError> {
        self.iam
            .add_client_id_to_open_id_connect_provider()
            .open_id_connect_provider_arn(arn)
            .client_id(client_id)
            .send()
            .await
            .map(|_| ())
            .map_err(|e| live_error("iam:AddClientIDToOpenIDConnectProvider", e))
    }

    async fn remove_client_id(&self, arn: &str, client_id: &str) -> Result<(), LiveError> {
        self.iam
            .remove_client_id_from_open_id_connect_provider()
            .open_id_connect_provider_arn(arn)
            .client_id(client_id)
            .send()
            .await
            .map(|_| ())
            .map_err(|e| live_error("iam:RemoveClientIDFromOpenIDConnectProvider", e))
    }

    async fn update_thumbprints(&self, arn: &str, thumbprints: &[String]) -> Result<(), LiveError> {
        self.iam
            .update_open_id_connect_provider_thumbprint()
            .open_id_connect_provider_arn(arn)
            .set_thumbprint_list(Some(thumbprints.to_vec()))
            .send()
            .await
            .map(|_| ())
            .map_err(|e| live_error("iam:UpdateOpenIDConnectProviderThumbprint", e))
    }

    async fn tag_iam(&self, target: &TagTarget, tags: &Tags) -> Result<(), LiveError> {
        match target {
            TagTarget::Role { name } => {
                const OP: &str = "iam:TagRole";
                let call = self
                    .iam
                    .tag_role()
                    .role_name(name)
                    .set_tags(Some(sdk_tags(OP, tags)?));
                call.send().await.map(|_| ()).map_err(|e| live_error(OP, e))
            }
            TagTarget::Policy { arn } => {
                const OP: &str = "iam:TagPolicy";
                let call = self
                    .iam
                    .tag_policy()
                    .policy_arn(arn)
                    .set_tags(Some(sdk_tags(OP, tags)?));
                call.send().await.map(|_| ()).map_err(|e| live_error(OP, e))
            }
            TagTarget::OidcProvider { arn } => {
                const OP: &str = "iam:TagOpenIDConnectProvider";
                let call = self
                    .iam
                    .tag_open_id_connect_provider()
                    .open_id_connect_provider_arn(arn)
                    .set_tags(Some(sdk_tags(OP, tags)?));
                call.send().await.map(|_| ()).map_err(|e| live_error(OP, e))
            }
            TagTarget::Repository { .. } => unreachable!("repositories are tagged through ECR"),
        }
    }

    async fn untag_iam(&self, target: &TagTarget, keys: &[String]) -> Result<(), LiveError> {
        let keys = Some(keys.to_vec());
        match target {
            TagTarget::Role { name } => {
                let call = self.iam.untag_role().role_name(name).set_tag_keys(keys);
                call.send()
                    .await
                    .map(|_| ())
                    .map_err(|e| live_error("iam:UntagRole", e))
            }
            TagTarget::Policy { arn } => {
                let call = self.iam.untag_policy().policy_arn(arn).set_tag_keys(keys);
                call.send()
                    .await
                    .map(|_| ())
                    .map_err(|e| live_error("iam:UntagPolicy", e))
            }
            TagTarget::OidcProvider { arn } => {
                let call = self
                    .iam
                    .untag_open_id_connect_provider()
                    .open_id_connect_provider_arn(arn)
                    .set_tag_keys(keys);
                call.send()
                    .await
                    .map(|_| ())
                    .map_err(|e| live_error("iam:UntagOpenIDConnectProvider", e))
            }
            TagTarget::Repository { .. } => unreachable!("repositories are untagged through ECR"),
        }
    }

    async fn delete_oidc_provider(&self, arn: &str) -> Result<Ensured, LiveError> {
        let result = self
            .iam
            .delete_open_id_connect_provider()
            .open_id_connect_provider_arn(arn)
            .send()
            .await
            .map(|_| ())
            .map_err(|e| live_error("iam:DeleteOpenIDConnectProvider", e));
        ensured_unless(ErrorKind::NotFound, result)
    }

    async fn list_roles(&self) -> Result<Vec<String>, LiveError> {
        let mut out = Vec::new();
        let mut pages = self
            .iam
            .list_roles()
            .max_items(PAGE)
            .into_paginator()
            .send();
        while let Some(page) = pages.next().await {
            let page = page.map_err(|e| live_error("iam:ListRoles", e))?;
            out.extend(page.roles().iter().map(|r| r.role_name().to_string()));
        }
        Ok(out)
    }

    async fn get_role(&self, name: &str) -> Result<Option<RoleInfo>, LiveError> {
        const OP: &str = "iam:GetRole";
        let result = self
            .iam
            .get_role()
            .role_name(name)
            .send()
            .await
            .map_err(|e| live_error(OP, e));
        let Some(out) = not_found_as_none(result)? else {
            return Ok(None);
        };
        let role = out
            .role()
            .ok_or_else(|| LiveError::new(OP, ErrorKind::Other, None, "the answer had no role"))?;
        Ok(Some(RoleInfo {
            name: role.role_name().to_string(),
            arn: role.arn().to_string(),
            description: role.description().map(str::to_string),
            trust_policy: role
                .assume_role_policy_document()
                .unwrap_or_default()
                .to_string(),
            max_session_duration: role.max_session_duration().unwrap_or(3600),
            permissions_boundary: role
                .permissions_boundary()
                .and_then(|b| b.permissions_boundary_arn())
                .map(str::to_string),
            tags: live_tags(role.tags()),
        }))
    }

    async fn list_attached_role_policies(&self, role: &str) -> Result<Vec<String>, LiveError> {
        let mut out = Vec::new();
        let mut pages = self
            .iam
            .list_attached_role_policies()
            .role_name(role)
            .max_items(PAGE)
            .into_paginator()
            .send();
        while let Some(page) = pages.next().await {
            let page = page.map_err(|e| live_error("iam:ListAttachedRolePolicies", e))?;
            out.extend(
                page.attached_policies()
                    .iter()
                    .filter_map(|p| p.policy_arn().map(str::to_string)),
            );
        }
        Ok(out)
    }

    async fn list_role_policies(&self, role: &str) -> Result<Vec<String>, LiveError> {
        let mut out = Vec::new();
        let mut pages = self
            .iam
            .list_role_policies()
            .role_name(role)
            .max_items(PAGE)
            .into_paginator()
            .send();
        while let Some(page) = pages.next().await {
            let page = page.map_err(|e| live_error("iam:ListRolePolicies", e))?;
            out.extend(page.policy_names().iter().cloned());
        }
        Ok(out)
    }

    async fn get_role_policy(&self, role: &str, name: &str) -> Result<Option<String>, LiveError> {
        let result = self
            .iam
            .get_role_policy()
            .role_name(role)
            .policy_name(name)
            .send()
            .await
            .map(|out| out.policy_document().to_string())
            .map_err(|e| live_error("iam:GetRolePolicy", e));
        not_found_as_none(result)
    }

    async fn put_role_policy(
        &self,
        role: &str,
        name: &str,
        document: &str,
    ) -> Result<(), LiveError> {
        self.iam
            .put_role_policy()
            .role_name(role)
            .policy_name(name)
            .policy_document(document)
            .send()
            .await
            .map(|_| ())
            .map_err(|e| live_error("iam:PutRolePolicy", e))
    }

    async fn delete_role_policy(&self, role: &str, name: &str) -> Result<Ensured, LiveError> {
        let result = self
            .iam
            .delete_role_policy()
            .role_name(role)
            .policy_name(name)
            .send()
            .await
            .map(|_| ())
            .map_err(|e| live_error("iam:DeleteRolePolicy", e));
        ensured_unless(ErrorKind::NotFound, result)
    }

    async fn create_role(&self, new: &NewRole<'_>) -> Result<Ensured, LiveError> {
        const OP: &str = "iam:CreateRole";
        let result = self
            .iam
            .create_role()
            .role_name(new.name)
            .description(new.description)
            .assume_role_policy_document(new.trust_policy)
            .max_session_duration(new.max_session_duration)
            .path(new.path)
            .set_permissions_boundary(new.permissions_boundary.map(str::to_string))
            .set_tags(Some(sdk_tags(OP, new.tags)?))
            .send()
            .await
            .map(|_| ())
            .map_err(|e| live_error(OP, e));
        ensured_unless(ErrorKind::AlreadyExists, result)
    }

    async fn update_trust_policy(&self, role: &str, document: &str) -> Result<(), LiveError> {
        self.iam
            .update_assume_role_policy()
            .role_name(role)
            .policy_document(document)
            .send()
            .await
            .map(|_| ())
            .map_err(|e| live_error("iam:UpdateAssumeRolePolicy", e))
    }

    async fn update_role(
        &self,
        role: &str,
        description: &str,
        max_session_duration: i32,
    ) -> Result<(), LiveError> {
        self.iam
            .update_role()
            .role_name(role)
            .description(description)
            .max_session_duration(max_session_duration)
            .send()
            .await
            .map(|_| ())
            .map_err(|e| live_error("iam:UpdateRole", e))
    }

    async fn put_permissions_boundary(
        &self,
        role: &str,
        policy_arn: &str,
    ) -> Result<(), LiveError> {
        self.iam
            .put_role_permissions_boundary()
            .role_name(role)
            .permissions_boundary(policy_arn)
            .send()
            .await
            .map(|_| ())
            .map_err(|e| live_error("iam:PutRolePermissionsBoundary", e))
    }

    async fn delete_permissions_boundary(&self, role: &str) -> Result<Ensured, LiveError> {
        let result = self
            .iam
            .delete_role_permissions_boundary()
            .role_name(role)
            .send()
            .await
            .map(|_| ())
            .map_err(|e| live_error("iam:DeleteRolePermissionsBoundary", e));
        ensured_unless(ErrorKind::NotFound, result)
    }

    async fn attach_role_policy(&self, role: &str, policy_arn: &str) -> Result<(), LiveError> {
        self.iam
            .attach_role_policy()
            .role_name(role)
            .policy_arn(policy_arn)
            .send()
            .await
            .map(|_| ())
            .map_err(|e| live_error("iam:AttachRolePolicy", e))
    }

    async fn detach_role_policy(&self, role: &str, policy_arn: &str) -> Result<Ensured, LiveError> {
        let result = self
            .iam
            .detach_role_policy()
            .role_name(role)
            .policy_arn(policy_arn)
            .send()
            .await
            .map(|_| ())
            .map_err(|e| live_error("iam:DetachRolePolicy", e));
        ensured_unless(ErrorKind::NotFound, result)
    }

    async fn delete_role(&self, role: &str) -> Result<Ensured, LiveError> {
        let result = self
            .iam
            .delete_role()
            .role_name(role)
            .send()
            .await
            .map(|_| ())
            .map_err(|e| live_error("iam:DeleteRole", e));
        ensured_unless(ErrorKind::NotFound, result)
    }

    async fn list_policies(&self) -> Result<Vec<PolicyInfo>, LiveError> {
        let mut out = Vec::new();
        let mut pages = self
            .iam
            .list_policies()
            .scope(PolicyScopeType::Local)
            .max_items(PAGE)
            .into_paginator()
            .send();
        while let Some(page) = pages.next().await {
            let page = page.map_err(|e| live_error("iam:ListPolicies", e))?;
            out.extend(page.policies().iter().map(|p| PolicyInfo {
                name: p.policy_name().unwrap_or_default().to_string(),
                arn: p.arn().unwrap_or_default().to_string(),
                default_version_id: p.default_version_id().unwrap_or_default().to_string(),
                description: p.description().map(str::to_string),
            }));
        }
        Ok(out)
    }

    async fn list_policy_tags(&self, arn: &str) -> Result<Tags, LiveError> {
        let mut out = Tags::new();
        let mut pages = self
            .iam
            .list_policy_tags()
            .policy_arn(arn)
            .max_items(PAGE)
            .into_paginator()
            .send();
        while let Some(page) = pages.next().await {
            let page = page.map_err(|e| live_error("iam:ListPolicyTags", e))?;
            out.extend(live_tags(page.tags()));
        }
        Ok(out)
    }

    async fn policy_exists(&self, arn: &str) -> Result<bool, LiveError> {
        let result = self
            .iam
            .get_policy()
            .policy_arn(arn)
            .send()
            .await
            .map(|_| ())
            .map_err(|e| live_error("iam:GetPolicy", e));
        Ok(not_found_as_none(result)?.is_some())
    }

    async fn get_policy_version(
        &self,
        arn: &str,
        version_id: &str,
    ) -> Result<Option<String>, LiveError> {
        let result = self
            .iam
            .get_policy_version()
            .policy_arn(arn)
            .version_id(version_id)
            .send()
            .await
            .map(|out| {
                out.policy_version()
                    .and_then(|v| v.document())
                    .unwrap_or_default()
                    .to_string()
            })
            .map_err(|e| live_error("iam:GetPolicyVersion", e));
        not_found_as_none(result)
    }

    async fn list_policy_versions(&self, arn: &str) -> Result<Vec<PolicyVersionInfo>, LiveError> {
        let mut out = Vec::new();
        let mut pages = self
            .iam
            .list_policy_versions()
            .policy_arn(arn)
            .max_items(PAGE)
            .into_paginator()
            .send();
        while let Some(page) = pages.next().await {
            let page = page.map_err(|e| live_error("iam:ListPolicyVersions", e))?;
            out.extend(page.versions().iter().map(|v| PolicyVersionInfo {
                version_id: v.version_id().unwrap_or_default().to_string(),
                is_default: v.is_default_version(),
                created: v.create_date().map(|d| d.secs()).unwrap_or(0),
            }));
        }
        Ok(out)
    }

    async fn create_policy(&self, new: &NewPolicy<'_>) -> Result<Ensured, LiveError> {
        const OP: &str = "iam:CreatePolicy";
        let result = self
            .iam
            .create_policy()
            .policy_name(new.name)
            .description(new.description)
            .policy_document(new.document)
            .set_tags(Some(sdk_tags(OP, new.tags)?))
            .send()
            .await
            .map(|_| ())
            .map_err(|e| live_error(OP, e));
        ensured_unless(ErrorKind::AlreadyExists, result)
    }

    async fn create_policy_version(&self, arn: &str, document: &str) -> Result<(), LiveError> {
        self.iam
            .create_policy_version()
            .policy_arn(arn)
            .policy_document(document)
            .set_as_default(true)
            .send()
            .await
            .map(|_| ())
            .map_err(|e| live_error("iam:CreatePolicyVersion", e))
    }

    async fn delete_policy_version(
        &self,
        arn: &str,
        version_id: &str,
    ) -> Result<Ensured, LiveError> {
        let result = self
            .iam
            .delete_policy_version()
            .policy_arn(arn)
            .version_id(version_id)
            .send()
            .await
            .map(|_| ())
            .map_err(|e| live_error("iam:DeletePolicyVersion", e));
        ensured_unless(ErrorKind::NotFound, result)
    }

    async fn list_entities_for_policy(&self, arn: &str) -> Result<PolicyEntities, LiveError> {
        let mut out = PolicyEntities::default();
        // Only attachments: a role using the policy as its permissions boundary is not "attached".
        let mut pages = self
            .iam
            .list_entities_for_policy()
            .policy_arn(arn)
            .policy_usage_filter(PolicyUsageType::PermissionsPolicy)
            .max_items(PAGE)
            .into_paginator()
            .send();
        while let Some(page) = pages.next().await {
            let page = page.map_err(|e| live_error("iam:ListEntitiesForPolicy", e))?;
            out.roles.extend(
                page.policy_roles()
                    .iter()
                    .filter_map(|r| r.role_name().map(str::to_string)),
            );
            out.users.extend(
                page.policy_users()
                    .iter()
                    .filter_map(|u| u.user_name().map(str::to_string)),
            );
            out.groups.extend(
                page.policy_groups()
                    .iter()
                    .filter_map(|g| g.group_name().map(str::to_string)),
            );
        }
        Ok(out)
    }

    async fn delete_policy(&self, arn: &str) -> Result<Ensured, LiveError> {
        let result = self
            .iam
            .delete_policy()
            .policy_arn(arn)
            .send()
            .await
            .map(|_| ())
            .map_err(|e| live_error("iam:DeletePolicy", e));
        ensured_unless(ErrorKind::NotFound, result)
    }

    async fn list_attached_user_policies(
        &self,
        user: &str,
    ) -> Result<Option<Vec<String>>, LiveError> {
        let mut out = Vec::new();
        let mut pages = self
            .iam
            .list_attached_user_policies()
            .user_name(user)
            .max_items(PAGE)
            .into_paginator()
            .send();
        while let Some(page) = pages.next().await {
            let page =
                not_found_as_none(page.map_err(|e| live_error("iam:ListAttachedUserPolicies", e)))?;
            let Some(page) = page else {
                return Ok(None);
            };
            out.extend(
                page.attached_policies()
                    .iter()
                    .filter_map(|p| p.policy_arn().map(str::to_string)),
            );
        }
        Ok(Some(out))
    }

    async fn attach_user_policy(&self, user: &str, policy_arn: &str) -> Result<(), LiveError> {
        self.iam
            .attach_user_policy()
            .user_name(user)
            .policy_arn(policy_arn)
            .send()
            .await
            .map(|_| ())
            .map_err(|e| live_error("iam:AttachUserPolicy", e))
    }

    async fn detach_user_policy(&self, user: &str, policy_arn: &str) -> Result<Ensured, LiveError> {
        let result = self
            .iam
            .detach_user_policy()
            .user_name(user)
            .policy_arn(policy_arn)
            .send()
            .await
            .map(|_| ())
            .map_err(|e| live_error("iam:DetachUserPolicy", e));
        ensured_unless(ErrorKind::NotFound, result)
    }

    async fn detach_group_policy(
        &self,
        group: &str,
        policy_arn: &str,
    ) -> Result<Ensured, LiveError> {
        let result = self
            .iam
            .detach_group_policy()
            .group_name(group)
            .policy_arn(policy_arn)
            .send()
            .await
            .map(|_| ())
            .map_err(|e| live_error("iam:DetachGroupPolicy", e));
        ensured_unless(ErrorKind::NotFound, result)
    }
}
