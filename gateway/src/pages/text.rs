//! The words of the pages, in Chinese (the default) and English. One table, so a text
//! missing in one language does not compile.

/// The language of a page: the `lang` query parameter, then the `lang` cookie, else Chinese.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Lang {
    #[default]
    Zh,
    En,
}

impl Lang {
    pub fn parse(s: &str) -> Option<Lang> {
        match s {
            "zh" | "zh-CN" | "zh-Hans" => Some(Lang::Zh),
            "en" | "en-US" | "en-GB" => Some(Lang::En),
            _ => None,
        }
    }

    pub fn code(self) -> &'static str {
        match self {
            Lang::Zh => "zh",
            Lang::En => "en",
        }
    }

    pub fn html_lang(self) -> &'static str {
        match self {
            Lang::Zh => "zh-CN",
            Lang::En => "en",
        }
    }

    pub fn other(self) -> Lang {
        match self {
            Lang::Zh => Lang::En,
            Lang::En => Lang::Zh,
        }
    }

    pub fn t(self) -> &'static Texts {
        match self {
            Lang::Zh => &ZH,
            Lang::En => &EN,
        }
    }

    /// A pair of words by language.
    pub fn pick(self, zh: &'static str, en: &'static str) -> &'static str {
        match self {
            Lang::Zh => zh,
            Lang::En => en,
        }
    }
}

macro_rules! texts {
    ($($key:ident: $zh:expr, $en:expr;)*) => {
        pub struct Texts { $(pub $key: &'static str,)* }
        pub static ZH: Texts = Texts { $($key: $zh,)* };
        pub static EN: Texts = Texts { $($key: $en,)* };
    };
}

texts! {
    site: "行政服务中心", "Administrative Service Center";
    switch_lang: "English", "中文";
    nav_home: "首页", "Home";
    nav_items: "办事事项", "Services";
    nav_departments: "部门", "Departments";
    nav_bundles: "一条龙", "One-stop bundles";
    nav_statistics: "公开统计", "Statistics";
    nav_kiosk: "自助终端", "Kiosk";
    nav_login: "登录", "Sign in";
    nav_logout: "退出", "Sign out";
    nav_api: "开放接口", "API";
    nav_track: "办件查询", "Track a case";
    nav_trading: "公共资源交易", "Public trading";
    nav_complaints: "投诉举报", "Complaints";
    nav_public: "公共服务", "Public services";
    nav_work: "工作台", "Workbench";
    search_placeholder: "输入事项名称、部门或关键词", "Service, department or keyword";
    search: "搜索", "Search";
    themes: "主题服务", "Themes";
    by_type: "按事项类型", "By kind of service";
    departments: "实施部门", "Departments";
    bundles: "一条龙服务", "One-stop bundles";
    at_a_glance: "概况", "At a glance";
    items_in_force: "在办事项", "Services in force";
    avg_statutory: "平均法定时限", "Average statutory limit";
    avg_promised: "平均承诺时限", "Average promised limit";
    reduction: "时限压缩", "Time limits cut by";
    working_days: "个工作日", "working days";
    results: "搜索结果", "Results";
    total: "共", "Total";
    items_unit: "项", "services";
    no_results: "没有找到符合条件的事项。", "No service matches.";
    next_page: "下一页", "Next page";
    first_page: "第一页", "First page";
    all_types: "全部类型", "All kinds";
    item_code: "实施编码", "Implementation code";
    basic_code: "基本编码", "Basic code";
    item_type: "事项类型", "Kind";
    department: "实施主体", "Department";
    region: "行政区划", "Region";
    level: "行使层级", "Level";
    service_mode: "办理方式", "Where handled";
    window_authorization: "窗口授权", "Window authorization";
    item_class: "办件类型", "Class";
    statutory_limit: "法定办结时限", "Statutory time limit";
    promised_limit: "承诺办结时限", "Promised time limit";
    on_the_spot: "当场办结", "done on the spot";
    conditions: "受理条件", "Conditions";
    materials: "申请材料", "Materials";
    material: "材料名称", "Material";
    necessity: "是否必需", "Required";
    required: "必需", "required";
    optional: "非必需", "optional";
    form: "材料形式", "Form";
    copies: "份数", "Copies";
    stage: "环节", "Stage";
    shared_material: "资料互认", "Shared";
    flow: "办理流程", "Process";
    handler: "办理人员", "Handled by";
    limit: "时限", "Limit";
    note: "说明", "Notes";
    fees: "收费标准", "Fees";
    free: "不收费", "Free of charge";
    fee_item: "收费项目", "Fee";
    amount: "金额", "Amount";
    fee_basis: "收费依据", "Basis";
    yuan: "元", "yuan";
    legal_basis: "设定依据", "Legal basis";
    window: "办理窗口", "Window";
    office: "审批服务办公室", "Approval service office";
    place: "办理地点", "Place";
    phone: "咨询电话", "Telephone";
    hours: "办公时间", "Hours";
    online_depth: "网上办理深度", "Online service";
    special_procedures: "特别程序（不计入办理时限）", "Special procedures (not counted in the limit)";
    max_extension: "可批准延长", "Extension that may be approved";
    validity: "施行日期", "In force from";
    version: "版本", "Version";
    keywords: "关键词", "Keywords";
    accept_only_warning: "本窗口仅受理，审批决定在部门作出。", "This window only receives applications; the department decides.";
    address: "地址", "Address";
    offices: "审批服务办公室", "Approval service offices";
    items_of_department: "本部门事项", "Services of this department";
    lead_department: "牵头部门", "Lead department";
    stages: "办理阶段", "Stages";
    parallel_note: "同一阶段内的事项并联办理，各阶段依次进行。", "Services within a stage run in parallel; stages run one after another.";
    shared_materials: "共享材料（一次提交、资料互认）", "Shared materials (submitted once)";
    participating: "参与部门", "Departments taking part";
    bundle_promised: "整体承诺时限", "Promised limit of the bundle";
    statistics: "事项目录公开统计", "Catalog statistics";
    by_service_mode: "按办理方式", "By where handled";
    by_class: "按办件类型", "By class";
    fully_authorized_share: "窗口充分授权比例", "Windows fully authorized";
    department_count: "部门", "Departments";
    office_count: "审批服务办公室", "Offices";
    bundle_count: "一条龙服务", "Bundles";
    per_department: "各部门窗口授权情况", "Window authorization by department";
    count: "数量", "Count";
    fully_authorized: "充分授权", "Fully authorized";
    share: "比例", "Share";
    username: "用户名", "Username";
    password: "密码", "Password";
    sign_in: "登录", "Sign in";
    bad_login: "用户名或密码不正确。", "Wrong username or password.";
    demo_accounts: "演示账号", "Demo accounts";
    demo_password: "演示密码均为", "Every demo account's password is";
    roles: "角色", "Roles";
    no_login: "本部署通过统一身份认证平台登录，请使用单位提供的登录入口。", "This deployment signs users in through the organization's identity provider.";
    signed_in_as: "当前用户", "Signed in as";
    form_expired: "表单已过期，请刷新页面后重新提交。", "The form expired; reload the page and send it again.";
    kiosk_title: "自助查询", "Self-service";
    kiosk_hint: "请点击选择部门，查看办事指南", "Touch a department to see its services";
    kiosk_home: "返回首页", "Start";
    kiosk_back: "返回", "Back";
    previous: "上一页", "Previous";
    error_title: "出错了", "Something went wrong";
    not_found: "没有找到您要的内容。", "Nothing was found here.";
    unavailable: "服务暂时不可用，请稍后再试。", "The service is unavailable; try again later.";
    denied: "您没有权限查看此内容。", "You may not see this.";
    refused: "请求未被受理。", "The request was not accepted.";
    reason_given: "原因", "Reason";
    go_back: "返回上一页", "Go back";
    back_home: "返回首页", "Back to the start";
    footer: "本页信息来自事项目录，依法公开。", "Information from the service catalog, published as the law requires.";
}
